"""Time grading: one ``grade`` beside ``nbgrader autograde`` of the same notebook, and a class through ``grade-batch``.

All grade the reference solution. ``grade`` and ``nbgrader autograde`` run in turns, ``--repeats`` times each,
so both are measured under the same load; their ratio is printed beside its goal (autograde within 1.5x of
``grade``). By default nbgrader executes no student code, so its time is the autograder's grading plus
nbgrader's own work (the gradebook, its preprocessors, writing the notebook); ``--execute`` times the opt-in
fast-mode re-execution (``VAE_COURSE_AUTOGRADE_EXECUTE=1``) instead. ``grade-batch`` grades ``--batch`` copies;
its figure is scaled to the 200 submissions of the goal, once as measured and once with the
lanes' start-up (importing torch and the checks, starting the worker zygote) counted once, as in a
real class. ``import torch`` alone is timed too: each grading starts at least two such processes. ``--profile`` adds where one ``grade``
spends its time in the grader's process (the worker's own time shows there as waiting). Run:

    bash run.sh python benchmarks/grading_speed.py [--repeats 5] [--batch 40] [--profile] [--execute]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "solutions" / "vae" / "vae.ipynb"
# nbgrader calls the `alembic` command, which lives beside this interpreter.
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
EXECUTE_ENV = "VAE_COURSE_AUTOGRADE_EXECUTE"  # nbgrader_config.py: the opt-in re-execution


def _timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env={**ENV, **(env or {})})
    return time.perf_counter() - started


def nbgrader_course(root: Path) -> None:
    """A throwaway nbgrader course holding the reference solution as one student's submission."""
    shutil.copy(REPO_ROOT / "nbgrader_config.py", root)
    shutil.copytree(REPO_ROOT / "solutions", root / "solutions")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["db", "student", "add", "student1"], cwd=root, check=True, capture_output=True, env=ENV)
    subprocess.run(nbgrader + ["generate_assignment", "vae", "--force"], cwd=root, check=True, capture_output=True, env=ENV)
    submitted = root / "submitted" / "student1" / "vae"
    submitted.mkdir(parents=True)
    shutil.copy(REFERENCE, submitted / "vae.ipynb")


GOALS = {"grade": 3.0, "autograde": 10.0, "class": 240.0}  # seconds, on two CPU cores (issue 15)
RATIO_GOAL = 1.5  # nbgrader autograde / grade of the same notebook (issue 20)
CLASS_SIZE = 200


def grade_batch_seconds(root: Path, copies: int) -> tuple[float, list[float]]:
    """Seconds ``grade-batch`` takes over ``copies`` copies of the reference solution, and each grading's own seconds
    (in a lane that has started: without the lane's start-up)."""
    folder = root / "class"
    folder.mkdir()
    for i in range(copies):
        shutil.copy(REFERENCE, folder / f"student{i:03d}.ipynb")
    seconds = _timed([sys.executable, "-m", "autograder", "grade-batch", str(folder), "--csv",
                      str(root / "grades.csv")], REPO_ROOT)
    records = (root / "grades.records.jsonl").read_text().splitlines()
    return seconds, [json.loads(line)["seconds"] for line in records]


def profile_one_grade(root: Path, top: int = 25) -> str:
    """cProfile of one ``grade`` in this process: the grader's side, sorted by cumulative time."""
    from autograder.__main__ import main as autograder_main

    profiler = cProfile.Profile()
    profiler.runcall(autograder_main, ["grade", str(REFERENCE), "--json", str(root / "profiled.json")])
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def _row(figure: str, seconds: float, goal: float, detail: str) -> str:
    verdict = "meets" if seconds <= goal else "misses"
    return f"{figure:<44} {seconds:8.2f} s   goal <= {goal:5.0f} s  {verdict}   {detail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=40, help="submissions graded by grade-batch (0: skip)")
    parser.add_argument("--profile", action="store_true", help="also profile one grade in this process")
    parser.add_argument("--execute", action="store_true", help="time autograde with the opt-in re-execution")
    args = parser.parse_args()
    ours, theirs, floor = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        nbgrader_course(course)
        for _ in range(args.repeats):
            ours.append(_timed([sys.executable, "-m", "autograder", "grade", str(REFERENCE),
                                "--json", str(Path(tmp) / "results.json")], REPO_ROOT))
            theirs.append(_timed([sys.executable, "-m", "nbgrader", "autograde", "vae", "--force"], course,
                                 {EXECUTE_ENV: "1" if args.execute else "0"}))
            floor.append(_timed([sys.executable, "-c", "import torch"], REPO_ROOT))
        batch, gradings = grade_batch_seconds(Path(tmp), args.batch) if args.batch else (None, [])
        profile = profile_one_grade(Path(tmp)) if args.profile else None
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"{os.cpu_count()} CPU cores, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print(_row("python -m autograder grade, median", ours_median, GOALS["grade"],
               f"runs: {', '.join(f'{t:.2f}' for t in ours)}"))
    mode = "re-executing in fast mode" if args.execute else "no execution"
    print(_row(f"nbgrader autograde ({mode}), median", theirs_median, GOALS["autograde"],
               f"runs: {', '.join(f'{t:.2f}' for t in theirs)}"))
    if batch is not None:
        print(_row(f"grade-batch, {CLASS_SIZE} submissions", batch * CLASS_SIZE / args.batch, GOALS["class"],
                   f"{args.batch} took {batch:.1f} s, {60 * args.batch / batch:.1f} per minute"))
        lanes = min(os.cpu_count() or 1, args.batch)
        busy = sum(gradings) / lanes  # each lane's time grading; the rest of the batch is the lanes' start-up
        warm = (batch - busy) + busy * CLASS_SIZE / args.batch
        print(_row(f"grade-batch, {CLASS_SIZE}, lanes' start-up once", warm, GOALS["class"],
                   f"{lanes} lanes started in {batch - busy:.1f} s, then {statistics.median(gradings):.2f} s "
                   f"per submission (median)"))
    label = "python -c 'import torch', median"
    print(f"{label:<44} {statistics.median(floor):8.2f} s   the floor of each process (a grading runs two at once)"
          f"   runs: {', '.join(f'{t:.2f}' for t in floor)}")
    ratio = theirs_median / ours_median
    print(f"{'ratio nbgrader autograde / grade, medians':<44} {ratio:8.2f} x   goal <= {RATIO_GOAL:5.1f} x  "
          f"{'meets' if ratio <= RATIO_GOAL else 'misses'}   runs: "
          f"{', '.join(f'{t / o:.2f}' for t, o in zip(theirs, ours))}")
    if profile:
        print("\nwhere one grade spends its time in the grader's process:\n" + profile)


if __name__ == "__main__":
    main()
