import json
import subprocess
import sys

from deepprove_cli import __version__
from tests.conftest import run_dp


def test_version():
    r = run_dp("--version")
    assert r.returncode == 0
    assert __version__ in r.stdout.decode()


def test_help_imports_no_numba():
    code = (
        "import sys\n"
        "from deepprove_cli.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'numba_cuda', 'llvmlite', 'gguf')]\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert b"Commands" in r.stdout


def test_unknown_command_is_usage_error():
    r = run_dp("no-such-command")
    assert r.returncode == 2
    assert b"Traceback" not in r.stderr


def test_user_error_has_no_traceback_unless_debug():
    r = run_dp("bench", "no-such-suite")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "error: unknown bench suite" in err and "hint:" in err
    assert "Traceback" not in err
    r = run_dp("--debug", "bench", "no-such-suite")
    assert r.returncode != 0
    assert "Traceback" in r.stderr.decode()


def test_bench_list_on_stdout():
    r = run_dp("bench", "--list")
    assert r.returncode == 0


def test_record_schema():
    from deepprove_cli.bench.record import Timing, record

    rec = record("kernels", "x", Timing([2.0, 1.0, 3.0], 10.0), work=100, unit="elem/s",
                 baseline_name="numpy", baseline=Timing([4.0, 4.0, 4.0], 5.0), metrics={"gbps": 1.0})
    j = rec.to_json()
    assert set(j) == {"suite", "name", "params", "median_s", "throughput", "unit", "baseline", "speedup",
                      "peak_rss_mb", "metrics"}
    assert j["median_s"] == 2.0 and j["speedup"] == 2.0 and j["throughput"] == 50.0
    json.dumps(j)


def test_bench_suites_are_listed():
    r = run_dp("bench", "--list")
    assert r.returncode == 0
    assert b"kernels" in r.stdout
