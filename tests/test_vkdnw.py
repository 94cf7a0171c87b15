"""VKDNW (Týbl & Neumann 2025) on real NATS-Bench networks and real CIFAR-10 images.

Full VKDNW costs one backward pass of the batch per class, so most tests use 16 images and cells with few
convolutions; 16 images × 9 give rank up to 144, more than the cells' parameter tensors (21 and 111).
"""

import math

import pytest
import torch
from proxy_helpers import check_seeded_and_untouched, proxy_input

from zeronas.proxies import PROXIES
from zeronas.proxies.aznas import _fan_in_weights
from zeronas.proxies.base import Degenerate
from zeronas.proxies.vkdnw import (
    DECILES,
    decile_entropy,
    first_element_jacobian,
    fisher_matrix,
    multinomial_cholesky,
    vkdnw,
    vkdnw_score,
)

SMALL = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
MIXED = "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
ALL_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
LOG9 = math.log(9)


@pytest.fixture(scope="module")
def batch(cifar10_images):
    info, x, y = cifar10_images  # load_sample(get_dataset("cifar10"))
    return info, x[:16], y[:16]


def _reference_jacobian(model, images):
    """The authors' route: per image, jacrev of the logits w.r.t. element 0 of every parameter tensor, through
    functional_call with a batch of one, eval mode (here with the fan_in-rescaled weights VKDNW uses)."""
    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}
    params.update({k: v.detach() for k, v in _fan_in_weights(model).items()})
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    heads = {k: v.reshape(-1)[:1].clone() for k, v in params.items()}

    def logits(h, x):
        full = {k: torch.cat([h[k], params[k].reshape(-1)[1:]]).view_as(params[k]) for k in params}
        return torch.func.functional_call(model, (full, buffers), (x[None],))[0]

    jac = torch.func.vmap(torch.func.jacrev(logits), in_dims=(None, 0))(heads, images)
    return torch.cat([jac[k].flatten(2) for k in params], dim=2)


def test_registered_as_a_model_proxy():
    entry = PROXIES.entry("vkdnw")
    assert entry.meta["kind"] == "model" and entry.meta["higher_is_better"] is True


@pytest.mark.parametrize("arch", [SMALL, MIXED])
def test_per_sample_jacobian_equals_the_reference_vmap_jacrev(nats, batch, arch):
    a = proxy_input(nats, batch, arch)
    images = a.images[:2]
    jac, logits = first_element_jacobian(a.model, images)
    expected = _reference_jacobian(a.model, images)
    assert jac.shape == expected.shape == (2, 10, len(list(a.model.parameters())))
    assert torch.allclose(jac, expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))
    assert (expected != 0).any(dim=(0, 1)).sum() > jac.shape[2] // 2  # most tensors reach the logits
    assert logits.shape == (2, 10)


def test_first_max_tensors_are_the_leading_columns(nats, batch):
    a = proxy_input(nats, batch, SMALL)
    full, _ = first_element_jacobian(a.model, a.images[:4])
    head, _ = first_element_jacobian(a.model, a.images[:4], max_tensors=50)
    assert head.shape[2] == 50 and torch.equal(head, full[:, :, :50])
    assert math.isfinite(vkdnw_score(a.model, a.images, max_tensors=50))


def test_cholesky_factor_of_the_multinomial_covariance():
    probs = torch.softmax(torch.randn(5, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64), 1)
    probs = probs * 0.95 + 0.005
    low = multinomial_cholesky(probs)
    cov = torch.diag_embed(probs) - probs[:, :, None] * probs[:, None, :]
    assert torch.allclose(low @ low.transpose(1, 2), cov, atol=1e-15)
    assert torch.equal(low, torch.tril(low)) and (low[:, :, -1] == 0).all()
    assert (torch.diagonal(low, dim1=1, dim2=2)[:, :-1] > 0).all()
    # the reference's A = L J squares to Jᵀ LᵀL J, which is not Jᵀ Σ J: the docstring's note
    assert not torch.allclose(low.transpose(1, 2) @ low, cov, atol=1e-3)


def test_fisher_matrix_is_symmetric_psd_of_bounded_rank(nats, batch):
    a = proxy_input(nats, batch, SMALL)
    jac, logits = first_element_jacobian(a.model, a.images[:3])
    fisher = fisher_matrix(jac, logits)
    assert fisher.dtype == torch.float64 and torch.allclose(fisher, fisher.T, rtol=1e-12, atol=0)
    eig = torch.linalg.eigvalsh(fisher)
    assert eig.min() > -1e-9 * eig.max()
    assert int((eig > 1e-9 * eig.max()).sum()) <= 3 * 9  # N·(C-1): the smoothed covariance has rank C-1


def test_decile_entropy():
    assert decile_entropy(torch.full((50,), 3.0)) == pytest.approx(LOG9, abs=1e-9)  # equal deciles: log 9
    lam = torch.linspace(0.0, 1.0, 101) ** 3
    q = torch.quantile(lam.double(), torch.tensor(DECILES, dtype=torch.float64))
    t = q / q.sum()
    assert decile_entropy(lam) == pytest.approx(float(-(t * t.log()).sum()), abs=1e-8)
    assert decile_entropy(lam * 1e4) == pytest.approx(decile_entropy(lam), abs=1e-8)  # scale-free
    assert decile_entropy(lam.flip(0)) == decile_entropy(lam)  # order-free
    assert 0.0 < decile_entropy(lam) < LOG9
    spike = torch.zeros(100)
    spike[-1] = 5.0  # only one eigenvalue: every decile is 0
    with pytest.raises(Degenerate):
        decile_entropy(spike)


def test_finite_seeded_in_range_and_the_network_is_left_as_found(nats, batch):
    assert 0.0 < check_seeded_and_untouched(vkdnw, nats, batch, SMALL) <= LOG9


def test_images_are_scored_independently(nats, batch):
    # eval-mode BN couples no images: F is a mean over images, so their order does not matter
    a = proxy_input(nats, batch, ALL_SKIP)
    order = torch.randperm(len(a.images), generator=torch.Generator().manual_seed(0))
    assert vkdnw_score(a.model, a.images[order]) == pytest.approx(vkdnw(a), rel=1e-6)


def test_all_none_cell_is_degenerate(nats, batch):
    # only the classifier bias reaches the logits: one non-zero eigenvalue among 21, every decile 0
    a = proxy_input(nats, batch, ALL_NONE)
    with pytest.raises(Degenerate, match="decile"):
        vkdnw(a)
