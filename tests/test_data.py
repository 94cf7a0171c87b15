import pickle

import numpy as np
import pytest
import torch

from zeronas.data.datasets import (
    DATASETS,
    get_dataset,
    load_cifar_batches,
    load_image_folder,
    load_sample,
    normalise,
    read_image_folder,
    scoring_batches,
)
from zeronas.errors import ZeronasError


@pytest.mark.parametrize(
    "name, size, classes", [("cifar10", 32, 10), ("cifar100", 32, 100), ("imagenet16-120", 16, 1000)]
)
def test_samples_load_normalised(shared, name, size, classes):
    x, y = load_sample(get_dataset(name))
    assert x.shape == (640, 3, size, size) and y.shape == (640,)
    assert abs(float(x.mean())) < 0.5 and 0.5 < float(x.std()) < 1.5  # roughly standardised
    assert int(y.max()) < classes + 1


def test_cifar_pickle_batches_round_trip(tmp_path, shared):
    info = DATASETS["cifar10"]
    raw = np.load(shared / "datasets" / "cifar10-sample.npz")
    images, labels = raw["images"], raw["labels"]
    for i in range(1, 6):
        part = slice((i - 1) * 100, i * 100)
        flat = images[part].transpose(0, 3, 1, 2).reshape(100, -1)
        with open(tmp_path / f"data_batch_{i}", "wb") as f:
            pickle.dump({b"data": flat, b"labels": labels[part].tolist()}, f)
    x, y = load_cifar_batches(tmp_path, info)
    assert torch.equal(x, normalise(images[:500], info)) and torch.equal(y, torch.from_numpy(labels[:500]))
    (tmp_path / "data_batch_3").write_bytes(b"garbage")
    with pytest.raises(ZeronasError, match="is not a CIFAR python batch"):
        load_cifar_batches(tmp_path, info)


def test_jpeg_class_folders_load(shared):
    x, y = load_image_folder(shared / "datasets" / "cifar10-jpeg-small" / "test", DATASETS["cifar10"])
    assert x.shape == (200, 3, 32, 32) and torch.equal(torch.bincount(y), torch.full((10,), 20))
    small, _ = load_image_folder(shared / "datasets" / "cifar10-jpeg-small" / "test", DATASETS["imagenet16-120"])
    assert small.shape[-1] == 16  # resized to the dataset's resolution


def test_bad_data_inputs_are_clear_errors(tmp_path):
    with pytest.raises(ZeronasError, match="unknown dataset 'svhn'"):
        get_dataset("svhn")
    with pytest.raises(ZeronasError, match="not found"):
        load_sample(DATASETS["cifar10"], tmp_path)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "cifar10-sample.npz").write_bytes(b"\x00corrupt")
    with pytest.raises(ZeronasError, match="cannot read"):
        load_sample(DATASETS["cifar10"], tmp_path)
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    with pytest.raises(ZeronasError, match="no images found"):
        load_image_folder(tmp_path / "empty", DATASETS["cifar10"])


def test_image_folder_skips_hidden_entries_and_refuses_empty_classes(tmp_path):
    from PIL import Image

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("RGB", (20 + i, 24), color=(40 * i, 100, 200)).save(tmp_path / name / f"{i}.png")
    (tmp_path / ".ipynb_checkpoints").mkdir()  # not a class
    (tmp_path / "cat" / "._0.png").write_bytes(b"macOS resource fork, not an image")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    images, labels, classes = read_image_folder(tmp_path, 16)
    assert classes == ["cat", "dog"] and images.shape == (6, 16, 16, 3) and labels.tolist() == [0, 0, 0, 1, 1, 1]
    (tmp_path / "bird").mkdir()
    with pytest.raises(ZeronasError, match="without images .*: bird"):
        read_image_folder(tmp_path, 16)


def test_scoring_batches_are_seeded_and_distinct():
    x, y = torch.arange(200.0).view(200, 1, 1, 1), torch.arange(200)
    a = scoring_batches(x, y, 64, 3, seed=0)
    b = scoring_batches(x, y, 64, 3, seed=0)
    assert all(torch.equal(p[1], q[1]) for p, q in zip(a, b))
    assert len(set(a[0][1].tolist()) & set(a[1][1].tolist())) == 0
    with pytest.raises(ZeronasError, match="need at least 64 images"):
        scoring_batches(x[:10], y[:10], 64, 1, seed=0)
