"""Every benchmark figure says which CPU gave it: each script under benchmarks/ that measures
prints benchmarks/machine.py's describe() (CPU model, ISA, cores, OpenBLAS core) first."""
import pathlib
import subprocess
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
MEASURING = sorted(p.name for p in BENCH.glob("*.py") if p.name not in ("machine.py", "plot_scaling.py"))


@pytest.mark.parametrize("name", MEASURING, ids=MEASURING)
def test_every_benchmark_prints_its_machine_first(name):
    text = (BENCH / name).read_text()
    assert "from machine import describe" in text and "print(describe()" in text


def test_describe_names_the_cpu_the_isa_and_the_blas():
    out = subprocess.run([sys.executable, str(BENCH / "machine.py")], capture_output=True, text=True, check=True)
    line = out.stdout.strip()
    assert line.startswith("CPU: ") and " | ISA: " in line and " | cores: " in line and "OpenBLAS core" in line
    if pathlib.Path("/proc/cpuinfo").exists():             # the microarchitecture too: "AMD EPYC" is Zen 4 or 5
        assert " family " in line and " model " in line
