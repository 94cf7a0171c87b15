import random
from pathlib import Path

import pytest
import torch

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.paths import data_root
from zeronas.spaces import get_space

torch.set_num_threads(1)  # tests run beside other work; results do not depend on threads


@pytest.fixture(scope="session")
def shared() -> Path:
    root = data_root()
    if not (root / "benchmarks" / "nats-tss.csv").is_file():
        pytest.fail(f"shared data not found at {root}; set ZERONAS_DATA")
    return root


@pytest.fixture(scope="session")
def nats():
    return get_space("nats-tss")


@pytest.fixture(scope="session")
def cifar10_images(shared):
    info = get_dataset("cifar10")
    return info, *load_sample(info)


@pytest.fixture(scope="session")
def nats_table(shared):
    from zeronas.groundtruth.nats_table import NatsTable

    return NatsTable.load()


@pytest.fixture
def rng():
    return random.Random(1234)
