#!/usr/bin/env python3
"""Checks that every C++ and CMake sample in the Markdown docs is quoted from a file the build
compiles (or, for CMake, that the consumer test builds with).

A sample is a ```cpp or ```cmake block right after a marker line naming a region of a file:

    <!-- snippet: examples/beast_receiver.cpp#beast_answer -->

The region is the lines between `// [doc:beast_answer]` and `// [/doc:beast_answer]` (`#` instead
of `//` in CMake), with
their common indentation removed (and the fence's added, for a sample inside a list item). A block without a marker, a marker naming a missing region, a
block that differs from its region, and a region no doc quotes are all errors.

usage: check_doc_snippets.py ROOT [--update]   (--update rewrites the blocks from the sources)
"""
import pathlib
import re
import sys
import textwrap

MARKER = re.compile(r"<!-- snippet: (?P<path>[^#\s]+)#(?P<name>[\w-]+) -->")
REGION_START = re.compile(r"^\s*(?P<comment>//|#) \[doc:(?P<name>[\w-]+)\]\s*$")
SAMPLE_FENCES = ("```cpp", "```cmake")


def regions(source: pathlib.Path) -> dict[str, str]:
    found, lines = {}, source.read_text().splitlines()
    for i, line in enumerate(lines):
        start = REGION_START.match(line)
        if not start:
            continue
        name = start["name"]
        closing = f"{start['comment']} [/doc:{name}]"
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == closing), None)
        if end is None:
            raise SystemExit(f"{source}:{i + 1}: region {name} has no end marker")
        found[name] = textwrap.dedent("\n".join(lines[i + 1 : end])) + "\n"
    return found


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    update = "--update" in sys.argv[2:]
    documents = sorted((root / "docs").glob("*.md")) + [root / "README.md"]
    sources = {}  # path -> regions
    for pattern in ("examples/*.cpp", "docs/snippets/*.cpp", "tests/consumer/CMakeLists.txt"):
        for path in sorted(root.glob(pattern)):
            sources[path.relative_to(root).as_posix()] = regions(path)
    used, problems = set(), []

    for doc in documents:
        lines = doc.read_text().splitlines(keepends=True)
        out, i = [], 0
        while i < len(lines):
            line = lines[i]
            if line.lstrip().startswith(SAMPLE_FENCES):
                indent = line[: len(line) - len(line.lstrip())]  # a sample inside a list item
                end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```")), len(lines))
                block = "".join(lines[i + 1 : end])
                marker = MARKER.search(out[-1]) if out else None
                where = f"{doc.relative_to(root)}:{i + 1}"
                if not marker:
                    problems.append(f"{where}: a code sample without a snippet marker above it")
                elif marker["name"] not in sources.get(marker["path"], {}):
                    problems.append(f"{where}: no region {marker['name']} in {marker['path']}")
                else:
                    used.add((marker["path"], marker["name"]))
                    region = sources[marker["path"]][marker["name"]]
                    expected = "".join(indent + l if l.strip() else l for l in region.splitlines(keepends=True))
                    if block != expected:
                        if update:
                            block = expected
                        else:
                            problems.append(f"{where}: differs from {marker['path']}#{marker['name']}")
                out += [line, block, *lines[end : end + 1]]
                i = end + 1
                continue
            out.append(line)
            i += 1
        if update:
            doc.write_text("".join(out))

    for path, names in sources.items():
        for name in names:
            if (path, name) not in used:
                problems.append(f"{path}: region {name} is quoted by no doc")
    for problem in problems:
        print(problem)
    if problems and not update:
        print(f"{len(problems)} problem(s); tests/check_doc_snippets.py . --update rewrites the samples")
    return 1 if problems and not update else 0


if __name__ == "__main__":
    sys.exit(main())
