"""Each quantizer against its definition, on cases computed by hand."""

from __future__ import annotations

import math
import random

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tokenforge.signal.quantizers import BSQ, FSQ, LFQ, GroupedResidualVQ, ResidualVQ, VectorQuantize  # noqa: E402
from tokenforge.signal.quantizers.base import usage_stats  # noqa: E402
from tokenforge.signal.quantizers.vq import rotate_to  # noqa: E402


def test_fsq_levels_and_mixed_radix_index():
    fsq = FSQ(levels=[3, 5])
    # level 3: tanh(z) * 1.001 rounded -> {-1, 0, 1}; level 5: tanh(z) * 2.002 rounded, halved -> {-1, -.5, 0, .5, 1}
    z = torch.tensor([[[0.0, 0.0], [9.0, -9.0], [-9.0, 0.3], [0.2, 0.6]]])
    q, i, loss = fsq(z)
    assert q.tolist() == [[[0.0, 0.0], [1.0, -1.0], [-1.0, 0.5], [0.0, 0.5]]]
    # index = level0 + 3 * level1, levels counted from 0
    assert i.tolist() == [[1 + 3 * 2, 2 + 3 * 0, 0 + 3 * 3, 1 + 3 * 3]]
    assert loss.item() == 0.0
    assert fsq.codebook_size == 15


def test_fsq_even_levels_are_shifted_half_a_step():
    fsq = FSQ(levels=[4])
    q = fsq(torch.tensor([[[-9.0], [-0.6], [0.3], [9.0]]])).quantized.flatten().tolist()
    assert q == [-1.0, -0.5, 0.0, 0.5]


def test_fsq_symmetric_levels_of_two():
    fsq = FSQ(levels=[2], preserve_symmetry=True)
    q, i, _ = fsq(torch.tensor([[[-1.0], [1.0]]]))
    assert q.flatten().tolist() == [-1.0, 1.0] and i.flatten().tolist() == [0, 1]
    with pytest.raises(ValueError, match="preserve_symmetry"):
        FSQ(levels=[2, 3])


@given(st.lists(st.integers(3, 8), min_size=1, max_size=4))
def test_fsq_every_code_round_trips(levels):
    fsq = FSQ(levels=levels)
    codes = fsq.implicit_codebook
    assert codes.shape == (math.prod(levels), len(levels))
    assert torch.equal(fsq.codes_to_indices(codes), torch.arange(fsq.codebook_size))
    q, i, _ = fsq(codes.atanh().clamp(-20, 20)[None] * 1.0 + 0.0)
    assert torch.equal(fsq.get_output_from_indices(i), q)


def test_fsq_gradient_is_straight_through_the_rounding():
    fsq = FSQ(levels=[5])
    z = torch.tensor([[[0.3]]], requires_grad=True)
    fsq(z).quantized.sum().backward()
    # d/dz tanh(z) * half_l / half_width with half_l = 2 * 1.001, half_width = 2
    assert z.grad.item() == pytest.approx((1 - math.tanh(0.3) ** 2) * 1.001, rel=1e-6)


def test_lfq_signs_and_binary_index():
    lfq = LFQ(codebook_size=8).eval()
    q, i, loss = lfq(torch.tensor([[[0.3, -2.0, 5.0], [-1.0, -1.0, 0.0]]]))
    assert q.tolist() == [[[1.0, -1.0, 1.0], [-1.0, -1.0, -1.0]]]
    assert i.tolist() == [[0b101, 0]]
    assert loss.item() == 0.0
    assert torch.equal(lfq.get_output_from_indices(i), q)


def test_bsq_codes_are_on_the_unit_sphere():
    bsq = BSQ(codebook_size=16).eval()
    q, i, _ = bsq(torch.tensor([[[3.0, -0.1, 0.2, -7.0]]]))
    torch.testing.assert_close(q, torch.tensor([[[0.5, -0.5, 0.5, -0.5]]]))
    assert i.tolist() == [[0b1010]]


def test_lfq_entropy_loss_by_hand():
    # one bit, codes -1 and +1: a token a has soft assignment softmax(2 * T * [-a, a])
    lfq = LFQ(codebook_size=2, entropy_loss_weight=1.0).train()
    x = torch.tensor([[[1.0], [-1.0]]])
    _, (per_sample, batch, _) = lfq(x, inv_temperature=0.5, return_loss_breakdown=True)
    p = torch.softmax(torch.tensor([-1.0, 1.0]), dim=0)
    h = -(p * p.log()).sum()
    assert per_sample.item() == pytest.approx(h.item(), rel=1e-5)
    assert batch.item() == pytest.approx(math.log(2), rel=1e-5)  # the two tokens average to uniform
    assert lfq(x, inv_temperature=0.5).loss.item() == pytest.approx(h.item() - math.log(2), rel=1e-5)


def test_vq_picks_the_nearest_code_and_straight_through():
    vq = VectorQuantize(dim=2, codebook_size=3, rotation_trick=False, commitment_weight=1.0)
    vq._codebook.embed.copy_(torch.tensor([[[0.0, 0.0], [1.0, 1.0], [-2.0, 0.0]]]))
    vq.eval()
    q, i, _ = vq(torch.tensor([[[0.9, 0.8], [-1.2, 0.1], [0.1, -0.2]]]))
    assert i.tolist() == [[1, 2, 0]]
    assert q.tolist() == [[[1.0, 1.0], [-2.0, 0.0], [0.0, 0.0]]]
    vq.train()
    vq._codebook.ema_update = False
    x = torch.tensor([[[0.9, 0.8]]], requires_grad=True)
    q, _, loss = vq(x)
    assert loss.item() == pytest.approx((0.1**2 + 0.2**2) / 2)  # commitment: mean squared distance
    q.sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0]]]  # straight through


def test_vq_ema_update_by_hand():
    vq = VectorQuantize(dim=1, codebook_size=2, decay=0.5, eps=0.0).train()
    vq._codebook.embed.copy_(torch.tensor([[[0.0], [10.0]]]))
    vq._codebook.embed_avg.copy_(vq._codebook.embed)
    vq(torch.tensor([[[1.0], [3.0], [9.0]]]))
    cb = vq._codebook
    # counts (2, 1), sums (4, 9); cluster_size = .5*1 + .5*counts, embed_avg = .5*old + .5*sums
    assert cb.cluster_size.tolist() == [[1.5, 1.0]]
    assert cb.embed_avg.flatten().tolist() == [2.0, 9.5]
    assert cb.embed.flatten().tolist() == pytest.approx([2.0 / 1.5, 9.5])


def test_vq_kmeans_init_finds_the_clusters():
    centers = torch.tensor([[-5.0, -5.0], [5.0, 5.0], [-5.0, 5.0], [5.0, -5.0]])
    x = (centers.repeat(50, 1) + 0.1 * torch.randn(200, 2))[None]
    vq = VectorQuantize(dim=2, codebook_size=4, kmeans_init=True, kmeans_iters=10).train()
    vq(x)
    found = sorted(vq.codebook.round().tolist())
    assert found == sorted(centers.tolist())


def test_vq_dead_codes_are_replaced_by_inputs():
    vq = VectorQuantize(dim=2, codebook_size=4, threshold_ema_dead_code=0.5, decay=0.1).train()
    vq._codebook.embed.copy_(torch.tensor([[[0.0, 0.0], [100.0, 100.0], [200.0, 0.0], [0.0, 300.0]]]))
    x = torch.randn(1, 64, 2) * 0.1
    vq(x)
    # codes 1..3 got nothing: their EMA count fell to 0.1 < 0.5, so they now hold inputs of the batch
    for code in vq.codebook[1:]:
        assert (x[0] - code).norm(dim=-1).min() < 1e-6


def test_vq_cosine_codes_are_unit_length():
    vq = VectorQuantize(dim=4, codebook_size=8, use_cosine_sim=True).train()
    q, _, _ = vq(torch.randn(2, 10, 4))
    torch.testing.assert_close(q.norm(dim=-1), torch.ones(2, 10))


def test_rotation_trick_by_hand():
    # src parallel to tgt: the rotation is the identity, only the rescaling |tgt| / |src| = 3 remains
    src = torch.tensor([[1.0, 0.0]], requires_grad=True)
    out = rotate_to(src, torch.tensor([[3.0, 0.0]]))
    assert out.tolist() == [[3.0, 0.0]]
    out.backward(torch.tensor([[1.0, 2.0]]))
    assert src.grad.tolist() == [[3.0, 6.0]]
    # orthogonal: the gradient is rotated by 90 degrees (e1 -> e2 maps the gradient's e2 part onto -e1)
    src = torch.tensor([[1.0, 0.0]], requires_grad=True)
    out = rotate_to(src, torch.tensor([[0.0, 1.0]]))
    torch.testing.assert_close(out, torch.tensor([[0.0, 1.0]]))
    out.backward(torch.tensor([[0.0, 1.0]]))
    torch.testing.assert_close(src.grad, torch.tensor([[1.0, 0.0]]))


def test_product_quantization_heads():
    vq = VectorQuantize(dim=4, codebook_size=2, heads=2, separate_codebook_per_head=True, codebook_dim=2).eval()
    vq._codebook.embed.copy_(torch.tensor([[[0.0, 0.0], [1.0, 1.0]], [[5.0, 5.0], [-5.0, -5.0]]]))
    q, i, _ = vq(torch.tensor([[[0.9, 0.9, -4.0, -4.0]]]))
    assert i.tolist() == [[[1, 1]]]
    assert q.tolist() == [[[1.0, 1.0, -5.0, -5.0]]]


def test_residual_layers_refine_and_dropout_marks_dropped_layers():
    rvq = ResidualVQ(dim=4, num_quantizers=4, codebook_size=16, kmeans_init=True, quantize_dropout=True)
    x = torch.randn(8, 64, 4)
    rvq.train()
    # the seed picks the last layer used with random.Random(seed).randrange(0, layers), as vector-quantize-pytorch
    all_layers = next(s for s in range(100) if random.Random(s).randrange(0, 4) == 3)
    two_layers = next(s for s in range(100) if random.Random(s).randrange(0, 4) == 1)
    for _ in range(5):
        rvq(x, rand_quantize_dropout_fixed_seed=all_layers)
    _, i, losses = rvq(x, rand_quantize_dropout_fixed_seed=two_layers)
    assert (i[..., 2:] == -1).all() and (i[..., :2] >= 0).all() and losses.shape == (4,)
    rvq.eval()
    q, i, _ = rvq(x)
    errors = [(x - rvq.get_output_from_indices(i[..., :k])).square().mean().item() for k in range(1, 5)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < errors[0]
    torch.testing.assert_close(rvq.get_output_from_indices(i), q)


def test_grouped_residual_shapes():
    g = GroupedResidualVQ(dim=8, groups=2, num_quantizers=3, codebook_size=8).eval()
    q, i, losses = g(torch.randn(2, 5, 8))
    assert q.shape == (2, 5, 8) and i.shape == (2, 2, 5, 3) and losses.shape == (2, 3)
    torch.testing.assert_close(g.get_output_from_indices(i), q)


def test_usage_and_perplexity_by_hand():
    used, ppl = usage_stats(torch.tensor([[2, 1, 1, 0]]))
    assert used == 0.75
    assert ppl == pytest.approx(math.exp(-(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))))
    fsq = FSQ(levels=[3])
    fsq(torch.tensor([[[-9.0], [-9.0], [0.0], [9.0]]]))
    assert fsq.code_usage() == 1.0
    assert fsq.perplexity() == pytest.approx(ppl)
    fsq.reset_usage()
    assert fsq.code_usage() == 0.0
