"""The built wheel, installed into a fresh virtualenv outside the repository, works with no ../shared and no
ZERONAS_DATA: a live search, a tabular search and a bench, all on the data embedded in the package."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_VARIABLES = ("ZERONAS_DATA", "ZERONAS_NATS_TABLE", "ZERONAS_NB101_TABLE", "ZERONAS_HWNAS_TABLE", "ZERONAS_STORE")


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("zeronas-*.whl")
    env_dir = root / "venv"
    # torch and the other dependencies come from this interpreter's site-packages; zeronas from the wheel only
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True, timeout=300)
    install = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    work = root / "elsewhere" / "work"  # no ../shared beside it
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in DATA_VARIABLES and k != "PYTHONPATH"}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    return env_dir, work, env


def _run(venv, *args, timeout=600):
    env_dir, work, env = venv
    return subprocess.run(
        [str(env_dir / "bin" / "zeronas"), *args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_wheel_carries_its_data_and_imports_from_the_venv(venv):
    env_dir, work, env = venv
    code = (
        "import zeronas, zeronas.paths as p; print(zeronas.__file__); "
        "print([str(r) for r in p.data_roots()]); print(p.data_file('benchmarks/nasbench101.npz', 'x'))"
    )
    r = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    module, roots, nb101 = r.stdout.splitlines()
    assert module.startswith(str(env_dir)) and str(REPO) not in roots
    assert "resources" in roots and nb101.startswith(str(env_dir))


def test_live_search_from_the_wheel(venv):
    r = _run(venv, "search", "--dataset", "cifar10", "--budget", "20", "--seed", "0", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["scored"] == 20 and 80 < result["test_acc"] <= result["optimum_acc"] == pytest.approx(94.3733)


def test_tabular_search_from_the_wheel(venv):
    r = _run(venv, "search", "--tabular", "default", "--budget", "300", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["scored"] == 300 and result["test_acc"] > 90 and result["clock_s"] > 0


def test_bench_from_the_wheel(venv):
    # the zoo parts travel too: the score combines main-table and part proxies
    score = ["--fitness", "naswot,skip,meco,swap_reg", "--combine", "log-rank", "--datasets", "cifar100,imagenet16-120"]
    r = _run(venv, "bench", "--runs", "1", *score, "--out", "bench", timeout=1200)
    assert r.returncode == 0, r.stderr
    report = (venv[1] / "bench" / "report.md").read_text()
    assert "Table 3" in report and "Table 5" in report and "ImageNet16-120" in report and "CIFAR-100" in report
    assert "FreeREA [log-rank: naswot+skip+meco+swap_reg]" in report
