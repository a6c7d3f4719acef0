"""Differential tests: tokenforge's quantizers against vector-quantize-pytorch (pinned in the `signal-test`
extra) on the same inputs and the same weights (copied by state dict, whose names they share)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
vqp = pytest.importorskip("vector_quantize_pytorch")

from tokenforge.signal import quantizers as tq  # noqa: E402


def same(ours, theirs, *, exact: bool = False):
    """Our result equals theirs: indices exactly, values bit for bit or to float rounding."""
    q, i, loss = ours
    q2, i2 = theirs[0], theirs[1]
    assert q.shape == q2.shape and i.shape == i2.shape
    assert torch.equal(i, i2.long())
    if exact:
        assert torch.equal(q, q2)
    else:
        torch.testing.assert_close(q, q2, rtol=1e-5, atol=1e-6)
    if len(theirs) > 2:
        torch.testing.assert_close(loss, theirs[2].to(loss.dtype), rtol=1e-5, atol=1e-6)


FSQ_CASES = [
    dict(levels=[8, 5, 5, 5]),
    dict(levels=[8, 6, 5]),
    dict(levels=[7, 5, 5, 5, 5], dim=12),
    dict(levels=[4, 4, 4], num_codebooks=2),
    dict(levels=[2, 3, 4], preserve_symmetry=True),
]


@pytest.mark.parametrize("kwargs", FSQ_CASES, ids=str)
@pytest.mark.parametrize("image", [False, True], ids=["tokens", "image"])
def test_fsq_matches(kwargs, image):
    theirs = vqp.FSQ(**kwargs)
    ours = tq.FSQ(**kwargs)
    ours.load_state_dict(theirs.state_dict())
    dim = ours.dim
    x = torch.randn(3, dim, 5, 6) * 2 if image else torch.randn(3, 40, dim) * 2
    same(ours(x), theirs(x), exact=not ours.has_projections)
    i = ours(x).indices
    torch.testing.assert_close(ours.indices_to_codes(i), theirs.indices_to_codes(i.int()))


def test_fsq_gradients_match():
    theirs, ours = vqp.FSQ([8, 5, 5, 5], dim=6), tq.FSQ([8, 5, 5, 5], dim=6)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 30, 6, requires_grad=True)
    g1 = torch.autograd.grad(ours(x).quantized.square().sum(), x)[0]
    g2 = torch.autograd.grad(theirs(x)[0].square().sum(), x)[0]
    torch.testing.assert_close(g1, g2)


LFQ_CASES = [
    dict(codebook_size=256),
    dict(dim=16, codebook_size=1024),
    dict(dim=16, codebook_size=256, num_codebooks=2),
    dict(codebook_size=64, commitment_loss_weight=0.25, diversity_gamma=2.0, codebook_scale=0.5),
]


@pytest.mark.parametrize("kwargs", LFQ_CASES, ids=str)
@pytest.mark.parametrize("spherical", [False, True], ids=["LFQ", "BSQ"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_lfq_and_bsq_match(kwargs, spherical, training):
    theirs = vqp.LFQ(spherical=spherical, **kwargs)
    ours = (tq.BSQ if spherical else tq.LFQ)(**kwargs)
    ours.load_state_dict(theirs.state_dict())
    ours.train(training)
    theirs.train(training)
    x = torch.randn(4, 25, ours.dim)
    a, parts = ours(x, inv_temperature=30.0, return_loss_breakdown=True)
    b, parts2 = theirs(x, inv_temperature=30.0, return_loss_breakdown=True)
    same(a, b)
    for p, p2 in zip(parts, parts2):
        torch.testing.assert_close(p, p2.float(), rtol=1e-5, atol=1e-6)


def test_lfq_image_layout_matches():
    theirs, ours = vqp.LFQ(dim=8, codebook_size=256), tq.LFQ(dim=8, codebook_size=256)
    x = torch.randn(2, 8, 4, 5)
    same(ours(x), theirs(x))
    i = ours(x).indices
    torch.testing.assert_close(ours.indices_to_codes(i), theirs.indices_to_codes(i))


VQ_CASES = [
    dict(),
    dict(use_cosine_sim=True),
    dict(codebook_dim=4),
    dict(heads=2, separate_codebook_per_head=True, codebook_dim=4),
    dict(heads=2, codebook_dim=4),
    dict(rotation_trick=False),
    dict(decay=0.5, commitment_weight=0.25),
]


@pytest.mark.parametrize("kwargs", VQ_CASES, ids=str)
def test_vector_quantize_matches_over_ema_steps(kwargs):
    """Five training steps (EMA codebook updates) then evaluation: same indices, outputs, losses, codebooks and
    input gradients."""
    theirs = vqp.VectorQuantize(dim=8, codebook_size=32, **kwargs)
    ours = tq.VectorQuantize(dim=8, codebook_size=32, **kwargs)
    ours.load_state_dict(theirs.state_dict())
    for _ in range(5):
        x = torch.randn(3, 40, 8, requires_grad=True)
        a, b = ours(x), theirs(x)
        same(a, b)
        g1 = torch.autograd.grad(a.quantized.square().sum(), x)[0]
        g2 = torch.autograd.grad(b[0].square().sum(), x)[0]
        torch.testing.assert_close(g1, g2, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours._codebook.embed, theirs._codebook.embed)
    ours.eval()
    theirs.eval()
    x = torch.randn(3, 40, 8)
    same(ours(x), theirs(x))


def test_vector_quantize_layouts_match():
    for kwargs, shape in [
        (dict(accept_image_fmap=True), (2, 8, 4, 5)),
        (dict(channel_last=False), (2, 8, 7)),
        (dict(), (5, 8)),
    ]:
        theirs = vqp.VectorQuantize(dim=8, codebook_size=16, **kwargs).eval()
        ours = tq.VectorQuantize(dim=8, codebook_size=16, **kwargs).eval()
        ours.load_state_dict(theirs.state_dict())
        x = torch.randn(*shape)
        same(ours(x), theirs(x))


@pytest.mark.parametrize("dropout", [False, True])
def test_residual_vq_matches(dropout):
    kwargs = dict(dim=8, num_quantizers=4, codebook_size=16, quantize_dropout=dropout, codebook_dim=6)
    theirs, ours = vqp.ResidualVQ(**kwargs), tq.ResidualVQ(**kwargs)
    ours.load_state_dict(theirs.state_dict())
    for seed in range(3):
        x = torch.randn(2, 30, 8)
        a = ours(x, rand_quantize_dropout_fixed_seed=seed)
        b = theirs(x, rand_quantize_dropout_fixed_seed=seed)
        same(a, b)
    ours.eval()
    theirs.eval()
    x = torch.randn(2, 30, 8)
    a, b = ours(x), theirs(x)
    same(a, b)
    torch.testing.assert_close(ours.get_output_from_indices(a.indices), theirs.get_output_from_indices(b[1]))


def test_grouped_residual_vq_matches():
    kwargs = dict(dim=8, groups=2, num_quantizers=3, codebook_size=16)
    theirs, ours = vqp.GroupedResidualVQ(**kwargs).eval(), tq.GroupedResidualVQ(**kwargs).eval()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 30, 8)
    same(ours(x), theirs(x))
