#!/usr/bin/env bash
# Builds two examples against the checkout with the flags the docs give, then
# tests/consumer/consumer.cpp against allquiet-webhook three ways, as users do, and runs each:
# pkg-config and CMake against a `meson install` of BUILD_DIR (into a scratch folder:
# both files are relocatable), and a Meson project that takes SOURCE_DIR as a subproject through
# packaging/allquiet-webhook.wrap. The four builds run at once.
# usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(realpath "$1") source_dir=$(realpath "$2")
consumer="$source_dir/tests/consumer"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

meson install -C "$build_dir" --destdir "$scratch/stage" --quiet
prefix=$(find "$scratch/stage" -path '*/pkgconfig/allquiet-webhook.pc' -printf '%h/../../..\n' | head -1)
prefix=$(realpath "$prefix")
echo "installed into $prefix"

# Each step chains its commands with &&: `set -e` does not stop a function that runs under `||`,
# as lane() runs them.

# The commands of docs/getting-started.md.
checkout() {
  (cd "$scratch" && ln -s "$source_dir" allquiet-webhook &&
    c++ -std=c++20 -I allquiet-webhook/include allquiet-webhook/examples/beast_receiver.cpp -o app \
      -lboost_json -lssl -lcrypto -pthread &&
    c++ -std=c++20 -I allquiet-webhook/include allquiet-webhook/examples/httplib_receiver.cpp \
      -o httplib_receiver -lcpp-httplib -lboost_json -lcrypto -pthread)
  ALLQUIET_WEBHOOK_SECRET= "$scratch/app" 0 2>/dev/null && return 1 # runs, and refuses to start without a secret
  echo "built"
}

with_pkg_config() {
  local flags
  flags=$(PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name allquiet-webhook.pc)") \
    pkg-config --cflags --libs allquiet-webhook-receiver) &&
    c++ -o "$scratch/consumer-pkg-config" "$consumer/consumer.cpp" $flags &&
    "$scratch/consumer-pkg-config"
}

with_cmake() {
  cmake -S "$consumer" -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
    cmake --build "$scratch/cmake" >/dev/null &&
    "$scratch/cmake/consumer"
}

as_meson_subproject() {
  mkdir -p "$scratch/meson/subprojects" &&
    cp "$consumer/meson.build" "$consumer/consumer.cpp" "$scratch/meson/" &&
    cp "$source_dir/packaging/allquiet-webhook.wrap" "$scratch/meson/subprojects/" &&
    ln -s "$source_dir" "$scratch/meson/subprojects/allquiet-webhook" && # present, so nothing is fetched
    meson setup "$scratch/meson/build" "$scratch/meson" --wrap-mode=nodownload \
      -Dallquiet-webhook:optimization=0 >/dev/null && # the library runs once here: -O0 builds it in half the time
    ninja -C "$scratch/meson/build" -j2 >/dev/null &&
    "$scratch/meson/build/consumer"
}

# Runs one step into a log of its own, with the time it took.
run_step() {
  local step=$1 log="$scratch/$1.log" started=$SECONDS
  echo "== $step" >"$log"
  "$step" >>"$log" 2>&1 || { echo "FAILED: $step" >>"$log"; return 1; }
  echo "   ($step: $((SECONDS - started)) s)" >>"$log"
}
# All four at once, and the subproject's three files two at a time: the test runs beside other
# tests, and a chain of steps one after the other would end last, alone on one core.
steps=(as_meson_subproject checkout with_pkg_config with_cmake)
pids=()
for step in "${steps[@]}"; do
  run_step "$step" & pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
for step in "${steps[@]}"; do
  cat "$scratch/$step.log"
done
exit $status
