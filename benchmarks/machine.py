"""What a benchmark ran on: the CPU model, its vector ISA and the OpenBLAS cores in use.

Every benchmark prints ``describe()`` first, so a figure is never read without its CPU (the
same code runs 2-4.5x slower on an Ice Lake Xeon than on a Zen 5 EPYC, and a Zen 4 EPYC —
the same "AMD EPYC" model name — reaches 179 GF/s of sgemm on two cores where a Zen 5 reached 462)."""
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


def microarchitecture():
    """What LLVM calls the host CPU (znver4, znver5, icelake-server, ...) and the family and
    model numbers: "AMD EPYC" alone names a Zen 4 and a Zen 5 alike (half the GEMM speed apart)."""
    cpu = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("cpu family", "model") and key.strip() not in cpu:
                    cpu[key.strip()] = value.strip()
                if not line.strip():
                    break
    except OSError:
        pass
    try:
        import llvmlite.binding as llvm
        name = llvm.get_host_cpu_name()
    except Exception:                       # llvmlite comes with numba; without it, no name
        name = "?"
    if cpu:
        return f"{name}, family {cpu.get('cpu family', '?')} model {cpu.get('model', '?')}"
    return name


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
    return (f"CPU: {cpu_model()} ({microarchitecture()}) | ISA: {isa()} | cores: {len(os.sched_getaffinity(0))} | "
            f"OpenBLAS core: numpy {numpy_core}, kernels {openblas.kernel_coretype()}")


if __name__ == "__main__":
    print(describe())
