#!/usr/bin/env python3
"""Runs the docs' command-line samples and checks the output each page shows, so that it cannot
drift from what the program prints.

A sample is a ```console block right after a marker line naming the session that produces it:

    <!-- output: send-apply -->

Each session below runs the commands of docs/getting-started.md (its `receiver.json` and
`template.hbs`, taken from the page) against a receiver started on a free port. What changes from
run to run (the port, signatures, timestamps, durations) is replaced by placeholders before the
comparison, on both sides.

usage: check_doc_outputs.py ROOT AQHOOK [--update]   (--update rewrites the blocks from the runs)
"""
import pathlib
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r"<!-- output: (?P<name>[\w-]+) -->\n```console\n(?P<body>.*?)```\n", re.S)
VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:8080"),
    (re.compile(r"(x-aq-signature: )\S+"), r"\1<signature>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"\(\d+\.\d+ ms\)"), "(<ms> ms)"),
]


def heredoc(page: str, name: str) -> str:
    """The text of `cat > NAME <<'TAG' ... TAG` in a page, indentation removed."""
    found = re.search(rf"^( *)cat > {re.escape(name)} <<'(\w+)'\n(.*?)^\1\2$", page, re.M | re.S)
    if not found:
        raise SystemExit(f"getting-started.md: no heredoc for {name}")
    indent = len(found[1])
    return "".join(line[indent:] + "\n" for line in found[3].splitlines())


def normalised(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def send_apply(root: pathlib.Path, aqhook: str, work: pathlib.Path) -> str:
    """docs/sender.md: getting-started's receiver, and its `aqhook send --apply`."""
    page = (root / "docs/getting-started.md").read_text()
    (work / "receiver.json").write_text(heredoc(page, "receiver.json"))
    (work / "template.hbs").write_text(heredoc(page, "template.hbs"))
    serve = subprocess.Popen([aqhook, "serve", "--port", "0", "--config", "receiver.json"], cwd=work,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = serve.stdout.readline().split()[-1]
        command = ["aqhook", "send", "--template", "template.hbs", "--url", f"{url}/hooks/aq",
                   "--signing-method", "allquiet", "--secret", "dev-secret", "--apply"]
        run = subprocess.run([aqhook] + command[1:], cwd=work, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise SystemExit(f"send-apply: exit {run.returncode}: {run.stderr}")
    finally:
        serve.terminate()
        serve.wait()
    shown = " ".join(command[:6]) + " \\\n      " + " ".join(command[6:])
    return f"$ aqhook serve --port 8080 --config receiver.json &\n$ {shown}\n{run.stdout}"


SESSIONS = {"send-apply": send_apply}


def main() -> None:
    root, update = pathlib.Path(sys.argv[1]), "--update" in sys.argv
    aqhook = str(pathlib.Path(sys.argv[2]).resolve())
    failures = 0
    for page_path in sorted((root / "docs").glob("*.md")):
        page = page_path.read_text()
        rewritten = page
        for block in MARKER.finditer(page):
            name = block["name"]
            if name not in SESSIONS:
                raise SystemExit(f"{page_path.name}: no session named {name}")
            with tempfile.TemporaryDirectory() as work:
                output = normalised(SESSIONS[name](root, aqhook, pathlib.Path(work)))
            if update:
                rewritten = rewritten.replace(block[0], f"<!-- output: {name} -->\n```console\n{output}```\n")
            elif normalised(block["body"]) != output:
                failures += 1
                print(f"{page_path.name}: the {name} sample differs from what the commands print:\n{output}")
        if update and rewritten != page:
            page_path.write_text(rewritten)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
