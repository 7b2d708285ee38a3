#!/usr/bin/env python3
"""Runs the docs' command-line samples and checks the output each page shows, so that it cannot
drift from what the program prints.

A sample is a ```console block right after a marker line naming how to produce it:

    <!-- output: run -->            the block's own commands are run (below)
    <!-- output: send-apply -->     a session of SESSIONS, which runs the commands a page walks through

`run` runs each `$ COMMAND` line of the block (continued by a trailing backslash, or up to a
heredoc's end tag) with bash, in a scratch folder that holds `data/` and the files
docs/getting-started.md writes (`receiver.json`, `template.hbs`), with `aqhook` on the PATH; what
follows a command is its standard output and standard error, as a terminal shows them.
`$ aqhook serve ... &` starts a receiver on a free port, which the later commands reach as
127.0.0.1:8080 (its own output is not shown: give it `--quiet`).

The sessions run the commands of docs/getting-started.md (its `receiver.json` and `template.hbs`,
taken from the page) against a receiver started on a free port; the `forward` session runs
docs/receiver.md's walk-through of --forward-to (its `service.json`), with two receivers, and shows
what each of its terminals prints.

What changes from run to run (the port, durations, and in the sessions signatures and timestamps)
is replaced by placeholders before the comparison, on both sides. A ```console block without a
marker is an error.

usage: check_doc_outputs.py ROOT AQHOOK [--update]   (--update rewrites the blocks from the runs)
"""
import contextlib
import functools
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = re.compile(r"<!-- output: (?P<name>[\w-]+) -->\n```console\n(?P<body>.*?)```\n", re.S)
CONSOLE_BLOCK = re.compile(r"^(?P<before>.*)\n```console\n", re.M)
# What differs between runs of the same commands.
RUN_VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:8080"),
    (re.compile(r"\(\d+\.\d+ ms\)"), "(<ms> ms)"),
]
# The sessions' deliveries are signed and stamped now, too.
VOLATILE = RUN_VOLATILE + [
    (re.compile(r"(x-aq-signature: )\S+"), r"\1<signature>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
]
FORWARD_VOLATILE = VOLATILE[1:] + [(re.compile(r"\(\d+ ms\)"), "(<ms> ms)")]
HEREDOC = re.compile(r"<<-?'?(\w+)'?")
SEND_COMMAND = ["aqhook", "send", "--template", "template.hbs", "--url", "http://127.0.0.1:8080/hooks/aq",
                "--signing-method", "allquiet", "--secret"]
JOURNAL_COMMAND = ("curl -s 'http://127.0.0.1:8080/_aqhook/requests?limit=1' | "
                   """grep -o '"verification":{[^}]*}'""")


def heredoc(page: str, name: str) -> str:
    """The text of `cat > NAME <<'TAG' ... TAG` in a page, indentation removed."""
    found = re.search(rf"^( *)cat > {re.escape(name)} <<'(\w+)'\n(.*?)^\1\2$", page, re.M | re.S)
    if not found:
        raise SystemExit(f"no heredoc for {name}")
    indent = len(found[1])
    return "".join(line[indent:] + "\n" for line in found[3].splitlines())


def normalised(text: str, volatile=VOLATILE) -> str:
    for pattern, replacement in volatile:
        text = pattern.sub(replacement, text)
    return text


def prepare(root: pathlib.Path, aqhook: str, work: pathlib.Path) -> dict:
    """Puts getting-started's files and `data/` in the scratch folder; the environment with aqhook."""
    page = (root / "docs/getting-started.md").read_text()
    for name in ("receiver.json", "template.hbs"):
        (work / name).write_text(heredoc(page, name))
    (work / "data").symlink_to(root / "data")
    return dict(os.environ, PATH=f"{pathlib.Path(aqhook).parent}{os.pathsep}{os.environ['PATH']}")


@contextlib.contextmanager
def receiver(aqhook: str, work: pathlib.Path, arguments: list[str]):
    """`aqhook serve ARGUMENTS` on a free port; yields its address, 127.0.0.1:PORT."""
    serve = subprocess.Popen([aqhook, "serve", *arguments, "--port", "0"], cwd=work,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = serve.stdout.readline()
        address = re.search(r"127\.0\.0\.1:\d+", line)
        if not address:
            raise SystemExit(f"aqhook serve {' '.join(arguments)}: {line!r} instead of its address")
        yield address[0]
    finally:
        serve.terminate()
        serve.wait()


def shell(command: str, work: pathlib.Path, env: dict, address: str | None) -> subprocess.CompletedProcess:
    """Runs a command as the page shows it, with 127.0.0.1:8080 meaning the running receiver."""
    if address:
        command = command.replace("127.0.0.1:8080", address)
    return subprocess.run(["bash", "-c", command], cwd=work, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60)


def commands(block: str) -> list[str]:
    """The commands of a console block, each with its continuation lines."""
    found, lines = [], iter(block.splitlines())
    for line in lines:
        if not line.startswith("$ "):
            continue  # a command's output
        command = [line[2:]]
        while command[-1].endswith("\\"):
            command.append(next(lines))
        if tag := HEREDOC.search(command[0]):
            command.append(next(lines))
            while command[-1] != tag[1]:
                command.append(next(lines))
        found.append("\n".join(command))
    return found


def run(block: str, root: pathlib.Path, aqhook: str, work: pathlib.Path) -> str:
    """Runs the block's own commands; gives them each followed by what it printed."""
    env = prepare(root, aqhook, work)
    shown, address = [], None
    with contextlib.ExitStack() as receivers:
        for command in commands(block):
            shown.append(f"$ {command}\n")
            serve = re.fullmatch(r"aqhook serve((?: [\w./-]+)*) &", command)
            if serve:
                arguments = re.sub(r" --port \d+", "", serve[1]).split()
                address = receivers.enter_context(receiver(aqhook, work, arguments))
            elif command.endswith("&"):
                raise SystemExit(f"run: only `aqhook serve ... &` may run in the background: {command}")
            else:
                shown.append(shell(command, work, env, address).stdout)
    return "".join(shown)


def send_apply(root: pathlib.Path, aqhook: str, work: pathlib.Path) -> str:
    """docs/sender.md: getting-started's receiver, and its `aqhook send --apply`."""
    env = prepare(root, aqhook, work)
    with receiver(aqhook, work, ["--config", "receiver.json"]) as address:
        command = SEND_COMMAND + ["dev-secret", "--apply"]
        sent = shell(" ".join(command), work, env, address)
        if sent.returncode != 0:
            raise SystemExit(f"send-apply: exit {sent.returncode}: {sent.stdout}")
    shown = " ".join(command[:6]) + " \\\n      " + " ".join(command[6:])
    return f"$ aqhook serve --port 8080 --config receiver.json &\n$ {shown}\n{sent.stdout}"


def journal_verdict(secret: str, root: pathlib.Path, aqhook: str, work: pathlib.Path) -> str:
    """docs/getting-started.md: the journal's verdict on getting-started's delivery, signed with SECRET."""
    if not shutil.which("curl"):
        raise SystemExit("curl is missing (scripts/setup --tests installs it)")
    env = prepare(root, aqhook, work)
    with receiver(aqhook, work, ["--config", "receiver.json"]) as address:
        shell(" ".join(SEND_COMMAND + [secret]), work, env, address)
        listed = shell(JOURNAL_COMMAND, work, env, address)
    return f"$ {JOURNAL_COMMAND}\n{listed.stdout}"


def forward(root: pathlib.Path, aqhook: str, work: pathlib.Path) -> str:
    """docs/receiver.md, "Forward to your service": a receiver as the service on port 3000, a
    receiver on 8080 that forwards to it, getting-started's delivery to the second, and the
    service's verdict on the signature it got."""
    env = prepare(root, aqhook, work)
    (work / "service.json").write_text(heredoc((root / "docs/receiver.md").read_text(), "service.json"))
    (work / "local.secret").write_text("local-dev-secret\n")
    service_command = "aqhook serve --port 3000 --config service.json --secret-file local.secret --quiet"
    forwarder_command = ("aqhook serve --secret dev-secret --forward-to http://127.0.0.1:3000/hook "
                         "--forward-secret-file local.secret")
    with receiver(aqhook, work, re.sub(r" --port \d+", "", service_command).split()[2:]) as service:
        forwarder = subprocess.Popen(
            [aqhook, *forwarder_command.replace("127.0.0.1:3000", service).split()[1:], "--port", "0"], cwd=work,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            forwarder_lines = [forwarder.stdout.readline() for _ in range(2)]
            address = re.search(r"127\.0\.0\.1:\d+", forwarder_lines[0])[0]
            sent = shell(" ".join(SEND_COMMAND + ["dev-secret", "--apply"]), work, env, address)
            forwarder_lines += [forwarder.stdout.readline() for _ in range(2)]
            verdict = shell(JOURNAL_COMMAND, work, env, service)
        finally:
            forwarder.terminate()
            forwarder.wait()
    send_shown = " ".join(SEND_COMMAND[:6]) + " \\\n      " + " ".join(SEND_COMMAND[6:] + ["dev-secret", "--apply"])
    shown = (f"$ {service_command}\nlistening on http://{service}\nadmin: http://{service}/_aqhook/\n"
             f"$ {forwarder_command}\n{''.join(forwarder_lines)}$ {send_shown}\n{sent.stdout}"
             f"$ {JOURNAL_COMMAND.replace('8080', '3000')}\n{verdict.stdout}")
    shown = re.sub(re.escape(service) + r"(?!\d)", "127.0.0.1:3000", shown)
    return re.sub(re.escape(address) + r"(?!\d)", "127.0.0.1:8080", shown)


SESSIONS = {
    "send-apply": send_apply,
    "forward": forward,
    "journal-valid": functools.partial(journal_verdict, "dev-secret"),
    "journal-invalid": functools.partial(journal_verdict, "wrong"),
}


def produce(name: str, block: str, root: pathlib.Path, aqhook: str) -> tuple[str, list]:
    """The block as the commands print it, and what varies in it between runs."""
    with tempfile.TemporaryDirectory() as work:
        if name == "run":
            return run(block, root, aqhook, pathlib.Path(work)), RUN_VOLATILE
        if name not in SESSIONS:
            raise SystemExit(f"no session named {name}")
        if name == "forward":  # two receivers: their ports are set apart as 3000 and 8080 already
            return SESSIONS[name](root, aqhook, pathlib.Path(work)), FORWARD_VOLATILE
        return SESSIONS[name](root, aqhook, pathlib.Path(work)), VOLATILE


def main() -> None:
    root, update = pathlib.Path(sys.argv[1]).resolve(), "--update" in sys.argv
    aqhook = str(pathlib.Path(sys.argv[2]).resolve())
    failures = 0
    for page_path in sorted((root / "docs").glob("*.md")):
        page = page_path.read_text()
        for block in CONSOLE_BLOCK.finditer(page):
            if not block["before"].startswith("<!-- output: "):
                failures += 1
                print(f"{page_path.name}: a console block without an output marker above it")
        rewritten = page
        for block in MARKER.finditer(page):
            name = block["name"]
            output, volatile = produce(name, block["body"], root, aqhook)
            if update:
                output = normalised(output, volatile)
                rewritten = rewritten.replace(block[0], f"<!-- output: {name} -->\n```console\n{output}```\n")
            elif normalised(block["body"], volatile) != normalised(output, volatile):
                failures += 1
                print(f"{page_path.name}: the {name} sample differs from what the commands print:\n"
                      f"{normalised(output, volatile)}")
        if update and rewritten != page:
            page_path.write_text(rewritten)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
