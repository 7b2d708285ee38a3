#!/usr/bin/env python3
"""Checks that every public header compiles on its own: the test programs compile their suites
together, so a header that leans on what an earlier one included would go unnoticed there.

usage: check_headers_alone.py ROOT CXX [CXX...]   (the compiler command, as meson gives it)
"""
import concurrent.futures
import pathlib
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
compiler = sys.argv[2:]
include_dirs = [root / "include", root / "receiver" / "include"]
headers = sorted(h.relative_to(d) for d in include_dirs for h in d.rglob("*.hpp"))


def compile_alone(header):
    command = [*compiler, "-std=c++20", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only",
               *(f"-I{d}" for d in include_dirs), "-x", "c++", "-"]
    run = subprocess.run(command, input=f"#include <{header}>\n", capture_output=True, text=True)
    return header, run.returncode, run.stderr


failed = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for header, status, errors in pool.map(compile_alone, headers):
        if status != 0:
            failed += 1
            print(f"FAILED: <{header}> does not compile alone:\n{errors}")
print(f"{len(headers) - failed} of {len(headers)} headers compile alone")
sys.exit(1 if failed else 0)
