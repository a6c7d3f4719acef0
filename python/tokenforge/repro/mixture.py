"""Data mixture inference (Hayase, Liu et al. 2024, "Data Mixture Inference: What do BPE Tokenizers Reveal about
their Training Data?"): train BPE on a known random mixture of languages, infer the mixture from the merge list,
report the log10 mean squared error against the uniform guess.

Paper: log10 MSE −7.3 to −7.7 with 1 GB samples per category (5–112 languages). Here: the controlled protocol of
`tokenforge mixture experiment` (docs/mixture.md) on the Debian Administrator's Handbook in English, German,
French, Spanish and Japanese (0.5–0.6 MB per language and side), at a small number of trials and merges; the
larger runs of docs/mixture.md (wordfreq samples: −6.49; a 20 MB multilingual corpus: −5.08) are the
commands listed in docs/reproductions.md.

    apt-get install debian-handbook
    tokenforge repro mixture
"""

from __future__ import annotations

from tokenforge.mixture.experiment import chunk_documents, run_experiment
from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import INSTALL_HANDBOOK, handbook_pages

LOCALES = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "ja": "ja-JP"}
TRIALS = 2
MERGES = 1500
TRAIN_BYTES = 2 << 20


def measure(categories: dict[str, list[str]], trials=TRIALS, merges=MERGES, train_bytes=TRAIN_BYTES, data="") -> Report:
    """The controlled experiment: log10 MSE of the inferred mixture and of the two baselines."""
    exp = run_experiment(categories, trials=trials, merges=merges, train_bytes=train_bytes)
    s = exp.summary()
    report = Report(
        "mixture",
        "data mixture inference on controlled mixtures",
        data,
        f"{len(categories)} categories, {trials} trials, {merges:,} merges, {train_bytes / 2**20:.0f} MiB training "
        f"text per trial, inference samples {min(exp.sample_bytes) / 1e6:.2f}–{max(exp.sample_bytes) / 1e6:.2f} MB",
    )
    mean, sd = s["log_mse"]
    report.add(
        "log10 MSE of the inferred shares",
        "−7.3 … −7.7 (1 GB samples)",
        f"{mean:.2f} ± {sd:.2f} ({sum(t.converged for t in exp.trials)}/{trials} converged)",
    )
    for key, label in (("uniform_log_mse", "uniform guess"), ("random_log_mse", "random simplex point")):
        mean, sd = s[key]
        report.add(f"log10 MSE of the {label}", "", f"{mean:.2f} ± {sd:.2f}")
    return report


def run() -> Report:
    """On the handbook in five languages (pages cut into ~4 KB documents)."""
    categories = {
        name: chunk_documents("\n".join(ps) + "\n" for ps in handbook_pages(loc).values())
        for name, loc in LOCALES.items()
    }
    return measure(categories, data="debian-handbook (Debian 12): en, de, fr, es, ja pages")


REPRO = Repro("mixture", "data mixture inference (controlled)", "Hayase, Liu et al. 2024", INSTALL_HANDBOOK, run)
