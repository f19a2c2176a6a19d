"""The engine at real scale on a GPU: inference, Grad-CAM, analysis end to end and a session sweep.

    .venv/bin/python tests/bench/bench_gpu.py [--models i3d,r3d_18,i3d_small,c3d_small,p3d_small]
        [--data ROOT] [--session VIDEO | --session-minutes 30] [--precision float32|bfloat16|float16]
        [--limit N] [--sweep-limit N] [--cpu]

For each model, all measured in this run on the same device:
- inference clips/s (forward under no_grad) and CAM clips/s (forward + Grad-CAM of the top-5 and
  the ground truth), in batches from the device's free memory (``engine.batching``; 8 on the
  CPU), used for the model's other figures too, the ratio
  (target <= 1.15) and the CAM's peak memory against inference's (target <= 1.3);
- the analysis of the synthetic test split end to end (decode, inference, CAM, store) against
  min(decode-only, inference-only) on the same clips (target >= 0.9);
- sweep windows/s over a 30-minute 1280x1024 session (window = the clip length, stride half of it),
  with decode-only windows/s of the same windows beside it: at that size the decoder, not the
  GPU, is usually the limit. The session is ``--session VIDEO``, or one rendered into a temporary
  folder first (``--session-minutes``, as ``cabinlens data synth OUT --session-minutes 30`` does);
- on that session, clips/s decoded by the GPU's decoder (NVDEC, through PyAV) against the CPU's
  decode threads, the largest pixel difference between the two decoders' frames, and the decoder
  ``--decoder auto`` picks (``engine.analysis.decoder_choice``).

Without a CUDA device it says "no CUDA device: GPU figures not measured" and exits 0; ``--cpu``
runs the same figures on the CPU for the small models (a check of the script, not GPU figures).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cabinlens.engine.analysis.decode_workers import DECODE_IN, DecodePlan, decode_plan  # noqa: E402
from cabinlens.engine.analysis.jobs import Job, open_run, split_job, sweep_job  # noqa: E402
from cabinlens.engine.analysis.prefetch import prefetch  # noqa: E402
from cabinlens.engine.analysis.runner import CAM_TOP, analyse  # noqa: E402
from cabinlens.engine.analysis.store import Store  # noqa: E402
from cabinlens.engine.batching import CPU_BATCH, cuda_batch_size  # noqa: E402
from cabinlens.engine.data.vocabulary import DRIVEACT_MIDLEVEL_CLASSES  # noqa: E402
from cabinlens.engine.device import Staging, autocast, device_label, place  # noqa: E402
from cabinlens.engine.explain import GradCam  # noqa: E402
from cabinlens.engine.models import build_model, default_spec  # noqa: E402

GPU_MODELS = ("i3d", "r3d_18", "i3d_small", "c3d_small", "p3d_small")
SMALL_MODELS = ("i3d_small", "c3d_small", "p3d_small")
CAM_TIME_TARGET, CAM_MEMORY_TARGET, END_TO_END_TARGET = 1.15, 1.3, 0.9


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], object], device: torch.device, repeats: int = 5) -> float:
    fn()  # warm-up (cudnn autotuning)
    samples = []
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        fn()
        _sync(device)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _peak(fn: Callable[[], object], device: torch.device) -> int | None:
    if device.type != "cuda":
        return None  # the CPU's memory ratio is bench_gradcam's (a fresh process per measurement)
    _sync(device)
    base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn()
    _sync(device)
    return torch.cuda.max_memory_allocated(device) - base


def model_figures(arch: str, device: torch.device, precision: str) -> dict:
    """Inference and CAM clips/s on random clips of the model's input, one batch size for both."""
    spec = default_spec(arch, DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)
    model = place(build_model(spec).eval(), device)
    cam = GradCam.for_spec(model, spec, precision=precision)
    h, w = spec.input.size

    def blank(n: int) -> torch.Tensor:
        return torch.randn(n, 3, spec.input.frames, h, w, device=device)

    batch = CPU_BATCH if device.type != "cuda" else cuda_batch_size(lambda n: cam(blank(n), top=CAM_TOP), device)
    x = blank(batch)

    def infer():
        with torch.no_grad(), autocast(device, precision):
            model(x)

    def explain():
        cam(x, top=CAM_TOP, extra=[0] * batch).maps.sum().item()

    t_infer, t_cam = _timed(infer, device), _timed(explain, device)
    m_infer, m_cam = _peak(infer, device), _peak(explain, device)
    model.cpu()
    return {"arch": arch, "shape": f"{spec.input.frames}x{h}x{w}", "batch": batch, "infer": batch / t_infer,
            "cam": batch / t_cam, "ratio": t_cam / t_infer,
            "memory": None if m_infer is None else m_cam / max(1, m_infer)}


def end_to_end(arch: str, job: Job, batch: int, device: torch.device, precision: str, workers: int | None,
               decode_in: str, folder: Path) -> dict:
    """Decode-only, inference-only (CAM included, on decoded clips) and the analysis, over the same clips.

    Decode-only keeps the first few batches' clips, and inference-only cycles over them, so a long
    session's windows never have to be held in memory at once.
    """
    spec = default_spec(arch, DRIVEACT_MIDLEVEL_CLASSES)
    torch.manual_seed(0)
    model = place(build_model(spec), device)
    samples = list(enumerate(job.samples))
    n = len(samples)
    plan: DecodePlan = decode_plan(device.type, workers, decode_in, n)  # as the engine plans this job
    kept = []
    t0 = time.perf_counter()
    for _, clip in prefetch(samples, spec, plan.workers, ahead=max(32, 2 * batch), processes=plan.processes):
        if len(kept) < 4 * batch:
            kept.append(clip)
    decode = n / (time.perf_counter() - t0)
    cam = GradCam.for_spec(model, spec, precision=precision)
    staging = Staging(device)
    _sync(device)
    t0 = time.perf_counter()
    for k in range(0, n, batch):
        chunk = [kept[(k + j) % len(kept)] for j in range(min(batch, n - k))]
        x = staging(chunk).permute(0, 4, 1, 2, 3)
        cam(spec.input.normalise(x), top=CAM_TOP, extra=[0] * x.shape[0]).maps.cpu()
    _sync(device)
    infer = n / (time.perf_counter() - t0)
    del kept
    with Store(folder / f"{arch}-{job.kind}.cabinlens") as store:
        run_id = open_run(store, job, spec, arch, "bench", "clip")
        t0 = time.perf_counter()
        for _ in analyse(store, run_id, model, spec, batch_size=batch, device=device, precision=precision,
                         workers=plan.workers, processes=plan.processes):
            pass
        whole = n / (time.perf_counter() - t0)
    model.cpu()
    return {"n": n, "decode": decode, "infer": infer, "whole": whole, "ratio": whole / min(decode, infer),
            "plan": plan.describe()}


def decoders(video: str, spec, workers: int, clips: int = 48) -> None:
    """NVDEC against the CPU's threads on the same clips, and whether their frames agree."""
    import numpy as np

    from cabinlens.engine.analysis.decoder_choice import choose_decoder, decode_rate, gpu_decoder_problem
    from cabinlens.engine.video.reader import VideoReader

    problem = gpu_decoder_problem(video)
    if problem:
        print(f"GPU decoder: not measured ({problem})")
        return
    samples = list(enumerate(sweep_job(video, spec).samples))
    step = max(1, len(samples) // clips)
    probe = samples[::step][:clips]
    cpu, gpu = decode_rate(probe, spec, workers, "cpu"), decode_rate(probe, spec, workers, "cuda")
    rng = np.random.default_rng(0)
    worst = 0
    with VideoReader(video) as a, VideoReader(video, decoder="cuda") as b:
        for i in sorted(rng.integers(0, a.frame_count, size=24)):
            worst = max(worst, int(np.abs(a.frame(int(i)).astype(int) - b.frame(int(i)).astype(int)).max()))
    choice = choose_decoder("auto", torch.device("cuda"), samples, spec, workers)
    print(f"decoding {len(probe)} clips at 1280x1024: GPU (NVDEC) {gpu:.1f} clips/s, {workers} CPU threads "
          f"{cpu:.1f} clips/s = {gpu / cpu:.2f}x; frames differ by at most {worst} grey levels; auto picks "
          f"{choice.decoder} ({choice.why})")


def _limited(job: Job, limit: int | None) -> Job:
    if not limit:
        return job
    return Job(job.kind, job.name, job.samples[:limit], job.params, job.annotation_hash, job.dataset_hash,
               job.train_counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help=f"comma-separated (default: {','.join(GPU_MODELS)}; "
                        f"with --cpu {','.join(SMALL_MODELS)})")
    parser.add_argument("--data", help="a synthetic dataset (default: the small one, generated first)")
    parser.add_argument("--session", metavar="VIDEO", help="the session to sweep (default: one rendered first)")
    parser.add_argument("--session-minutes", type=float, default=30.0, help="length of the rendered session")
    parser.add_argument("--no-sweep", action="store_true", help="leave the session sweep out")
    parser.add_argument("--precision", default="float32", choices=("float32", "bfloat16", "float16"))
    parser.add_argument("--limit", type=int, help="analyse only the first N clips of the test split")
    parser.add_argument("--sweep-limit", type=int, help="sweep only the first N windows of the session")
    parser.add_argument("--workers", type=int, help="decoding workers (default: the engine's for the device and job)")
    parser.add_argument("--decode-in", choices=DECODE_IN, default="auto", help="threads or processes (default: the engine's)")
    parser.add_argument("--cpu", action="store_true", help="measure on the CPU (small models) where there is no GPU")
    args = parser.parse_args()
    if torch.cuda.is_available():
        device = torch.device("cuda:0")
    elif args.cpu:
        device = torch.device("cpu")
    else:
        print("no CUDA device: GPU figures not measured")
        return 0
    models = args.models.split(",") if args.models else list(GPU_MODELS if device.type == "cuda" else SMALL_MODELS)
    print(f"device {device_label(device)}, precision {args.precision}, {torch.get_num_threads()} CPU threads, "
          f"decoding: {decode_plan(device.type, args.workers, args.decode_in, 10_000).describe()} for a big job")
    ok = True

    print("\nmodel        clip          batch  inference clips/s  CAM clips/s  CAM/inference  CAM memory/inference")
    batches = {}
    for arch in models:
        f = model_figures(arch, device, args.precision)
        batches[arch] = f["batch"]
        memory = "n/a (CPU)" if f["memory"] is None else f"{f['memory']:.2f}x"
        good = f["ratio"] <= CAM_TIME_TARGET and (f["memory"] is None or f["memory"] <= CAM_MEMORY_TARGET)
        ok &= good
        print(f"{arch:<12} {f['shape']:<13} {f['batch']:>5}  {f['infer']:17.1f}  {f['cam']:11.1f}  {f['ratio']:12.2f}x"
              f"  {memory:>20}  {'ok' if good else 'MISSED'}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = args.data
        if data is None:
            from cabinlens.engine.data.synth.generate import synthesize

            data = folder / "synth"
            print("\ngenerating the small synthetic dataset ...", flush=True)
            synthesize(data)
        print(f"\nanalysis of the synthetic test split, end to end (target >= {END_TO_END_TARGET} x min(decode, inference))")
        for arch in models:
            spec = default_spec(arch, DRIVEACT_MIDLEVEL_CLASSES)
            r = end_to_end(arch, _limited(split_job(data, spec, subset="test"), args.limit), batches[arch], device,
                           args.precision, args.workers, args.decode_in, folder)
            ok &= r["ratio"] >= END_TO_END_TARGET
            print(f"{arch:<12} {r['n']} clips: decode {r['decode']:.1f}, inference {r['infer']:.1f}, end to end "
                  f"{r['whole']:.1f} clips/s = {r['ratio']:.2f}x {'ok' if r['ratio'] >= END_TO_END_TARGET else 'MISSED'} "
                  f"({r['plan']})")

        if not args.no_sweep:
            video = args.session
            if video is None:
                from cabinlens.engine.data.synth.session import write_session

                print(f"\nrendering a {args.session_minutes:g}-minute 1280x1024 session ...", flush=True)
                video = str(write_session(folder / "session", args.session_minutes).video)
            if device.type == "cuda":
                decoders(video, default_spec(models[0], DRIVEACT_MIDLEVEL_CLASSES),
                         decode_plan(device.type, args.workers, "threads").workers)
            print(f"\nsweep of {Path(video).name} (window = clip length, stride half a window)")
            for arch in models:
                spec = default_spec(arch, DRIVEACT_MIDLEVEL_CLASSES)
                r = end_to_end(arch, _limited(sweep_job(video, spec), args.sweep_limit), batches[arch], device,
                               args.precision, args.workers, args.decode_in, folder)
                print(f"{arch:<12} {r['n']} windows: {r['whole']:.1f} windows/s "
                      f"(decode only {r['decode']:.1f}, inference only {r['infer']:.1f}; {r['plan']})")
    print("ok" if ok else "MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
