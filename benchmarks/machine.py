"""What a benchmark ran on: the CPU model, its vector ISA and the OpenBLAS cores in use.

Every benchmark prints ``describe()`` first, so a figure is never read without its CPU (the
same code runs 2-4.5x slower on an Ice Lake Xeon than on a Zen 5 EPYC)."""
import os
import platform


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def isa():
    from lstm_np.fast.openblas import _cpu_flags
    flags = _cpu_flags()
    for name, needed in (("AVX-512", {"avx512f", "avx512bw", "avx512dq", "avx512vl"}),
                         ("AVX2", {"avx2", "fma"}), ("AVX", {"avx"})):
        if needed <= flags:
            return name
    return "SSE or other"


def describe():
    """One line: CPU, ISA, cores, NumPy's OpenBLAS core and the kernels' one."""
    from lstm_np.fast import openblas
    found = openblas.numpy_openblas()
    numpy_core = openblas._corename(found) if found is not None else "none"
    return (f"CPU: {cpu_model()} | ISA: {isa()} | cores: {len(os.sched_getaffinity(0))} | "
            f"OpenBLAS core: numpy {numpy_core}, kernels {openblas.kernel_coretype()}")


if __name__ == "__main__":
    print(describe())
