import random

import pytest

from zeronas.costs import count_flops, count_params
from zeronas.data.datasets import get_dataset
from zeronas.strategies.constraints import CostModel

ALL_CONV3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
INDEX0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


@pytest.mark.parametrize(
    "arch, dataset, mflops, mparams",
    [
        (ALL_CONV3, "cifar10", 220.12, 1.531546),
        (ALL_CONV3, "imagenet16-120", 55.04, 1.538696),
        (ALL_NONE, "cifar10", 7.78, 0.073306),
        (INDEX0, "cifar10", 15.65, 0.129306),
    ],
)
def test_costs_match_the_benchmark_counter(nats, arch, dataset, mflops, mparams):
    info = get_dataset(dataset)
    model = nats.build_model(nats.parse(arch), info.num_classes)
    assert round(count_flops(model, info.resolution) / 1e6, 2) == mflops
    assert count_params(model) / 1e6 == pytest.approx(mparams, abs=1e-9)


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "imagenet16-120"])
def test_closed_form_costs_equal_the_counted_network(nats, dataset):
    costs = CostModel(nats, get_dataset(dataset))
    for arch in random.Random(5).sample(nats.all(), 25) + [nats.smallest()]:
        assert costs._compute(arch) == costs._count(arch)
