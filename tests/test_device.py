"""Scoring on another torch device: same weights as on the CPU, same scores up to float noise, clear errors."""

import math
import random
import subprocess
import sys

import pytest
import torch

from zeronas.proxies import PROXIES
from zeronas.scoring.scorer import Scorer, ScoringSettings

CUDA = torch.cuda.is_available()


def test_cpu_settings_keep_their_store_key_and_a_gpu_gets_its_own():
    assert ScoringSettings(inits=3, batch_size=64, seed=0).tag() == "inits=3,batch=64,seed=0"
    assert ScoringSettings(device="cuda").tag() == "inits=3,batch=64,seed=0,device=cuda"


@pytest.mark.parametrize(
    "device, message",
    [
        ("tpu", "unknown torch device 'tpu'"),
        ("meta", "unsupported torch device 'meta'"),
        pytest.param("cuda", "sees no CUDA GPU", marks=pytest.mark.skipif(CUDA, reason="this machine has a GPU")),
    ],
)
def test_bad_device_gives_one_line_and_exit_2(device, message):
    r = subprocess.run(
        [sys.executable, "-m", "zeronas.cli.main", "search", "--budget", "2", "--device", device],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr


@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
@pytest.mark.parametrize(
    "space_name, proxies",
    [
        ("nats-tss", list(PROXIES)),
        ("nasbench101", ["naswot", "logsynflow", "synflow", "skip", "flops", "params"]),
    ],
)
def test_gpu_scores_equal_cpu_scores_up_to_float_noise(space_name, proxies, cifar10_images):
    from zeronas.spaces import get_space

    space, (info, images, labels) = get_space(space_name), cifar10_images
    archs = [space.sample(random.Random(s)) for s in range(3)]
    on = {
        d: Scorer.create(space, info, proxies, images, labels, ScoringSettings(inits=1, device=d))
        for d in ("cpu", "cuda")
    }
    for arch in archs:
        cpu, gpu = (on[d].measure(arch).values for d in ("cpu", "cuda"))
        for name in proxies:
            if math.isnan(cpu[name]):
                assert math.isnan(gpu[name]), name
                continue
            # second-order and Jacobian proxies amplify float noise; the FreeREA proxies barely move
            tol = 1e-5 if name in ("naswot", "logsynflow", "synflow", "skip", "params", "flops") else 1e-2
            assert gpu[name] == pytest.approx(cpu[name], rel=tol, abs=1e-9), name
