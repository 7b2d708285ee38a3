#!/usr/bin/env python3
"""Checks that every public header compiles on its own, and that it brings in no heavy or
platform header its own inline code does not call into.

The test programs compile their suites together, so a header that leans on what an earlier one
included would go unnoticed there; and whatever a header includes, every file that includes it
compiles (docs/performance.md has each header's cost).

usage: check_headers_alone.py ROOT CXX [CXX...]   (the compiler command, as meson gives it)
"""
import concurrent.futures
import pathlib
import re
import subprocess
import sys

# Headers that cost each file including them much compile time, or tie it to a platform.
HEAVY = {
    "Boost.JSON": re.compile(r"/boost/json/|/boost/json\.hpp$"),
    "OpenSSL": re.compile(r"/openssl/"),
    "sockets": re.compile(r"/(arpa|netinet)/|/sys/socket\.h$"),
    "Asio": re.compile(r"/boost/asio/|/boost/asio\.hpp$"),
    "Beast": re.compile(r"/boost/beast/|/boost/beast\.hpp$"),
}

# What each header may reach, and why: its own inline code, or a header it includes for its
# inline code, calls into it. A header not named here may reach none of them.
ALLOWED = {
    # Incidents, patches and templates are JSON documents, read and written inline.
    "allquiet/webhook/detail/json_io.hpp": {"Boost.JSON"},
    "allquiet/webhook/incident.hpp": {"Boost.JSON"},
    "allquiet/webhook/patch.hpp": {"Boost.JSON"},
    "allquiet/webhook/address_list.hpp": {"Boost.JSON"},  # parse_address_list reads the service's JSON
    "allquiet/webhook/forwarding.hpp": {"Boost.JSON"},  # works on incidents
    "allquiet/webhook/request_template.hpp": {"Boost.JSON"},
    "allquiet/webhook/request_rendering.hpp": {"Boost.JSON"},
    # Handlebars renders against a JSON context.
    "allquiet/webhook/handlebars.hpp": {"Boost.JSON"},
    "allquiet/webhook/handlebars_options.hpp": {"Boost.JSON"},
    "allquiet/webhook/detail/handlebars_ast.hpp": {"Boost.JSON"},
    "allquiet/webhook/detail/handlebars_parser.hpp": {"Boost.JSON"},
    "allquiet/webhook/detail/handlebars_runtime.hpp": {"Boost.JSON"},
    # HMAC-SHA256 and the constant-time comparison are OpenSSL calls, inline in signing and
    # verifying.
    "allquiet/webhook/detail/hmac_sha256.hpp": {"OpenSSL"},
    "allquiet/webhook/signature.hpp": {"OpenSSL"},
    # The receiver's SDK: incidents, patches and signature verification.
    "allquiet/webhook.hpp": {"Boost.JSON", "OpenSSL"},
    # The sender connects, over TLS, and speaks HTTP inline.
    "allquiet/webhook/delivery.hpp": {"Boost.JSON", "OpenSSL", "sockets", "Asio", "Beast"},
    # Journal entries hold incidents and convert to JSON; the receiver itself is compiled in the
    # library, so its sockets and OpenSSL stay there.
    "allquiet/webhook/mock_receiver.hpp": {"Boost.JSON"},
    "allquiet/webhook/mock_journal.hpp": {"Boost.JSON"},
    # Rules and expectations compare JSON values in deliveries' bodies.
    "allquiet/webhook/request_match.hpp": {"Boost.JSON"},
    "allquiet/webhook/mock_rules.hpp": {"Boost.JSON"},
    "allquiet/webhook/expectations.hpp": {"Boost.JSON"},
    "allquiet/webhook/testing/boost_test.hpp": {"Boost.JSON"},
    "allquiet/webhook/testing/gtest.hpp": {"Boost.JSON"},
}

# Headers for a test framework, and the framework header each needs: where that header is not
# installed (GoogleTest comes with `scripts/setup --tests` only), the header is skipped.
FRAMEWORKS = {
    "allquiet/webhook/testing/boost_test.hpp": "boost/test/test_tools.hpp",
    "allquiet/webhook/testing/gtest.hpp": "gtest/gtest.h",
}

root = pathlib.Path(sys.argv[1])
compiler = sys.argv[2:]
include_dirs = [root / "include", root / "receiver" / "include"]
headers = sorted(h.relative_to(d) for d in include_dirs for h in d.rglob("*.hpp"))


def compile_text(text):
    command = [*compiler, "-std=c++20", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", "-H",
               *(f"-I{d}" for d in include_dirs), "-x", "c++", "-"]
    return subprocess.run(command, input=text, capture_output=True, text=True)


def framework_missing(header):
    framework = FRAMEWORKS.get(str(header))
    return framework if framework and compile_text(f"#include <{framework}>\n").returncode != 0 else None


def compile_alone(header):
    """Compiles the header alone; -H lists every header it includes, one per line, indented with dots."""
    run = compile_text(f"#include <{header}>\n")
    included = [m.group(1) for m in re.finditer(r"^\.+ (\S+)$", run.stderr, re.MULTILINE)]
    errors = "\n".join(line for line in run.stderr.splitlines() if not re.match(r"\.+ |Multiple include guards", line))
    return header, run.returncode, errors, included


def include_problems(header, included):
    allowed = ALLOWED.get(str(header), set())
    reached = {family for family, pattern in HEAVY.items() if any(pattern.search(path) for path in included)}
    problems = []
    for family in sorted(reached - allowed):
        first = next(path for path in included if HEAVY[family].search(path))
        problems.append(f"<{header}> reaches {family} ({first}), which its inline code does not need")
    for family in sorted(allowed - reached):
        problems.append(f"<{header}> no longer reaches {family}: take it out of ALLOWED")
    return problems


skipped = {h: missing for h in headers if (missing := framework_missing(h))}
for header, missing in skipped.items():
    print(f"skipped: <{header}>, as <{missing}> is not installed")
checked = [h for h in headers if h not in skipped]
failed = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for header, status, errors, included in pool.map(compile_alone, checked):
        if status != 0:
            failed += 1
            print(f"FAILED: <{header}> does not compile alone:\n{errors}")
            continue
        problems = include_problems(header, included)
        if problems:
            failed += 1
            print("FAILED: " + "\nFAILED: ".join(problems))
unknown = sorted(set(ALLOWED) - {str(h) for h in headers})
for header in unknown:
    print(f"FAILED: ALLOWED names <{header}>, which is not a public header")
print(f"{len(checked) - failed} of {len(checked)} headers compile alone and include only what they need")
sys.exit(1 if failed or unknown else 0)
