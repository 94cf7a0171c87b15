import pytest
import torch

from zeronas.errors import ZeronasError
from zeronas.export import export, load

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_exported_model_reloads_identically_and_onnx_is_valid(tmp_path):
    onnx = pytest.importorskip("onnx")
    files = export("nats-tss", ARCH, "cifar100", tmp_path)
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


def test_loading_a_foreign_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(ZeronasError, match="is not a zeronas model file"):
        load(bad)
    with pytest.raises(ZeronasError, match="not found"):
        load(tmp_path / "missing.pt")
