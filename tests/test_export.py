import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.errors import ZeronasError
from zeronas.export import CHECK_TOLERANCE, check_onnx, export, export_model, load
from zeronas.hardware.latency import ort_session

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
CLI = [sys.executable, "-m", "zeronas.cli.main"]


def _cli(*args):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)


def _ort_vs_torch(model, onnx_path, images) -> float:
    """Largest |ONNX Runtime - PyTorch| logit on images, computed here independently of check_onnx."""
    with torch.inference_mode():
        expected = model.eval()(images).numpy()
    got = ort_session(onnx_path).run(None, {"images": images.numpy()})[0]
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max())


def test_exported_model_reloads_identically_and_onnx_is_valid(tmp_path):
    onnx = pytest.importorskip("onnx")
    files = export("nats-tss", ARCH, "cifar100", tmp_path)
    assert set(files) == {"pytorch", "onnx"} and files.check["images"] == 16
    model, meta = load(files["pytorch"])
    assert meta["arch"] == ARCH and meta["num_classes"] == 100
    assert meta["params"] == 808276  # the table's params_m_cifar100 = 0.808276
    original = torch.load(files["pytorch"], weights_only=True)["state_dict"]
    assert all(torch.equal(original[k], v) for k, v in model.state_dict().items())
    logits = model.eval()(torch.randn(5, 3, 32, 32))
    assert logits.shape == (5, 100) and torch.isfinite(logits).all()
    graph = onnx.load(str(files["onnx"]))
    onnx.checker.check_model(graph)
    assert [o.name for o in graph.graph.output] == ["logits"]


def test_onnx_runtime_matches_pytorch_on_real_images(tmp_path, shared):
    files = export("nats-tss", ARCH, "cifar10", tmp_path)
    check = files.check
    assert check["real_images"] and check["image_source"] == "cifar10 sample" and check["images"] == 16
    assert 0 <= check["max_abs_diff"] <= CHECK_TOLERANCE
    assert check["ort_latency_ms"] > 0 and check["torch_latency_ms"] > 0
    model, _ = load(files["pytorch"])
    images = load_sample(get_dataset("cifar10"))[0][:64]
    assert _ort_vs_torch(model, files["onnx"], images) <= CHECK_TOLERANCE
    assert export("nats-tss", ARCH, "cifar10", tmp_path / "plain", check=False).check is None
    assert export("nats-tss", ARCH, "cifar10", tmp_path / "pt", onnx=False).check is None


def _calibrate_batchnorm(model, images) -> None:
    """BN running statistics of these images, as training leaves them: a fresh deep network in eval mode can
    give nearly the same logits for every image, which would make the comparison vacuous."""
    with torch.no_grad():
        for bn in model.modules():
            if isinstance(bn, torch.nn.modules.batchnorm._BatchNorm):
                bn.reset_running_stats()
                bn.momentum = None  # cumulative average
        model.train()(images)
    model.eval()


def test_onnx_runtime_matches_pytorch_for_a_mobilenet_like_network(tmp_path, shared):
    from zeronas.spaces import SPACES, get_space

    if "mobilenet-like" not in SPACES.names():
        pytest.skip("mobilenet-like is not registered")
    space = get_space("mobilenet-like")
    arch = space.format(space.sample(random.Random(3)))
    files = export("mobilenet-like", arch, "cifar10", tmp_path / "fresh")
    assert files.check["real_images"] and files.check["max_abs_diff"] <= CHECK_TOLERANCE
    model, meta = load(files["pytorch"])
    images = load_sample(get_dataset("cifar10"))[0]
    _calibrate_batchnorm(model, images[:128])
    with torch.inference_mode():
        assert model(images[:16]).std(0).max() > 1e-3  # logits that depend on the image
    written = export_model(model, meta, tmp_path / "calibrated")
    assert written.check["max_abs_diff"] <= CHECK_TOLERANCE
    assert _ort_vs_torch(model, written["onnx"], images[128:192]) <= CHECK_TOLERANCE


def test_a_differing_onnx_file_fails_the_check(tmp_path, shared):
    files = export("nats-tss", ARCH, "cifar10", tmp_path, check=False)
    model, meta = load(files["pytorch"])
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)
    with pytest.raises(ZeronasError, match="differ from PyTorch's by up to") as exc:
        check_onnx(model, files["onnx"], meta)
    assert "\n" not in str(exc.value)


def test_export_of_a_saved_model_keeps_its_weights(tmp_path, shared):
    files = export("nats-tss", ARCH, "cifar10", tmp_path / "fresh", check=False)
    model, meta = load(files["pytorch"])
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():  # as if trained: other weights and BN statistics
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.mul_(1 + 0.2 * torch.randn(t.shape, generator=g)).add_(0.01 * torch.randn(t.shape, generator=g))
                if t.ndim == 1:
                    t.abs_()  # running variances stay positive
    trained = tmp_path / "trained.pt"
    torch.save({"meta": {**meta, "note": "trained"}, "state_dict": model.state_dict()}, trained)

    r = _cli("export", "--model", str(trained), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "onnx check: max |Δ| = " in r.stdout and "on 16 real images (cifar10 sample)" in r.stdout
    assert "onnx runtime latency: " in r.stdout
    again, meta2 = load(tmp_path / "out" / "model.pt")
    assert meta2["note"] == "trained"
    images = load_sample(get_dataset("cifar10"))[0][:16]
    with torch.inference_mode():
        expected = model.eval()(images)
        assert torch.equal(again.eval()(images), expected)
        fresh, _ = load(files["pytorch"])
        assert not torch.allclose(fresh.eval()(images), expected)  # the saved weights, not new ones
    assert _ort_vs_torch(model, tmp_path / "out" / "model.onnx", images) <= CHECK_TOLERANCE


def test_export_model_in_the_api_checks_given_images(tmp_path, shared):
    files = export("nats-tss", ARCH, "cifar10", tmp_path / "a", check=False)
    model, meta = load(files["pytorch"])
    images = load_sample(get_dataset("cifar10"))[0][100:105]
    written = export_model(model, meta, tmp_path / "b", images=images)
    assert written.check["images"] == 5 and written.check["image_source"] == "given"
    with pytest.raises(ZeronasError, match="check images must be"):
        export_model(model, meta, tmp_path / "c", images=torch.zeros(2, 3, 16, 16))


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give an architecture string (ARCH) or --model PATH"),
        ([ARCH, "--model", "x.pt"], "not both"),
        (["trained/model.pt"], "is a file, not an architecture: export a saved model with --model trained/model.pt"),
    ],
)
def test_export_needs_an_arch_or_a_model(tmp_path, args, message):
    r = _cli("export", *args, "--out", str(tmp_path))
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_loading_a_foreign_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(ZeronasError, match="is not a zeronas model file"):
        load(bad)
    with pytest.raises(ZeronasError, match="not found"):
        load(tmp_path / "missing.pt")
