"""Loading the pretrained model can fail in many ways; every one must end in the "model unavailable"
message, be remembered instead of retried on every rerun, and never hang a session or the server.

Fake model folders are built in tmp_path from the installed package's files (scripts/test.sh installs
it); the unresponsive Hub is a local socket that accepts connections and never answers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from attention import pretrained as P

from .conftest import app_page

ROOT = Path(__file__).resolve().parents[1]
HEATMAP = "pages/1_🔥_Heatmap.py"
LAYER0_QUERY = "encoder.layer.0.attention.self.query.weight"


@pytest.fixture(scope="module")
def package_dir() -> Path:
    folder = P._package_dir()
    if folder is None:
        pytest.fail("the model package should be installed (scripts/test.sh does it)")
    return folder


@pytest.fixture(scope="module")
def weights(package_dir) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(package_dir / "model.safetensors"))


@pytest.fixture(autouse=True)
def fresh_download_state(monkeypatch):
    """Each test starts with no Hub download in flight."""
    monkeypatch.setattr(P, "_download", None, raising=False)


def model_folder(tmp_path: Path, package_dir: Path, weights: dict, **changed: np.ndarray | None) -> Path:
    """A copy of the model whose tensors ``changed`` are replaced (None: left out)."""
    from safetensors.numpy import save_file

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(package_dir / name, folder / name)
    tensors = {k: v for k, v in {**weights, **changed}.items() if v is not None}
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def unavailable(folder: Path) -> str:
    with pytest.raises(P.ModelUnavailable) as info:
        P.load_encoder(folder)
    message = str(info.value)
    assert str(folder) in message and P.HOW_TO_GET in message
    return message


def test_a_tensor_of_the_wrong_shape_is_explained(tmp_path, package_dir, weights):
    folder = model_folder(tmp_path, package_dir, weights, **{LAYER0_QUERY: weights[LAYER0_QUERY][:, :100]})
    message = unavailable(folder)
    assert f"{LAYER0_QUERY} has shape (384, 100); config.json implies (384, 384)" in message


def test_weights_full_of_nan_are_refused(tmp_path, package_dir, weights):
    broken = weights["encoder.layer.3.output.dense.weight"].copy()
    broken[:, 7] = np.nan
    broken[0, 0] = np.inf
    folder = model_folder(tmp_path, package_dir, weights, **{"encoder.layer.3.output.dense.weight": broken})
    message = unavailable(folder)
    assert "encoder.layer.3.output.dense.weight holds 385 values that are NaN or infinite" in message


def test_a_missing_tensor_and_a_broken_config_are_explained(tmp_path, package_dir, weights):
    folder = model_folder(tmp_path, package_dir, weights, **{"encoder.layer.5.output.LayerNorm.bias": None})
    assert "has no tensor encoder.layer.5.output.LayerNorm.bias" in unavailable(folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "num_attention_heads": 7}))
    assert "do not describe a BERT encoder" in unavailable(folder)
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": "wide"}))
    assert "not a number" in unavailable(folder)
    (folder / "config.json").write_text("[1, 2]")
    assert "not hold a JSON object" in unavailable(folder)
    (folder / "config.json").write_text("{not json")
    assert "could not be read (JSONDecodeError" in unavailable(folder)


def test_missing_files_are_explained(tmp_path, package_dir):
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(package_dir / "config.json", folder / "config.json")
    with pytest.raises(P.ModelUnavailable, match="lacks model.safetensors, tokenizer.json"):
        P.load_encoder(folder)
    (folder / "model.safetensors").write_bytes(b"\0" * 64)  # a truncated download
    shutil.copy(package_dir / "tokenizer.json", folder / "tokenizer.json")
    assert "could not be read" in unavailable(folder)


# ---- remembering failures -----------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failed_load_is_remembered_and_retried_after_a_while():
    calls = []

    def failing():
        calls.append(1)
        raise P.ModelUnavailable("broken on purpose.")

    clock = Clock()
    loader = P.EncoderLoader(failing, retry_after=300, clock=clock)
    first = loader.get()
    assert first.startswith("broken on purpose.") and "tries again in about 5 minutes" in first
    clock.now += 120
    assert "about 3 minutes" in loader.get() and len(calls) == 1  # no new attempt
    clock.now += 181
    assert loader.get().startswith("broken on purpose.") and len(calls) == 2  # tried again
    assert not loader.ready


def test_any_exception_of_a_loader_becomes_a_message_and_success_is_kept():
    outcomes = iter([ValueError("bad shape"), "the encoder"])

    def flaky():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    clock = Clock()
    loader = P.EncoderLoader(flaky, retry_after=60, clock=clock)
    assert loader.get().startswith("ValueError: bad shape")
    clock.now += 61
    assert loader.get() == "the encoder" and loader.ready
    assert loader.get() == "the encoder" and loader.attempts == 2


def test_sessions_arriving_during_a_load_wait_for_it_and_it_runs_once():
    release, calls = threading.Event(), []

    def slow():
        calls.append(1)
        release.wait(30)
        return "the encoder"

    loader = P.EncoderLoader(slow)
    results = []
    threads = [threading.Thread(target=lambda: results.append(loader.get())) for _ in range(5)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join(30)
    assert results == ["the encoder"] * 5 and len(calls) == 1


# ---- an unresponsive Hub -----------------------------------------------------------------------------------


def test_a_hub_that_never_answers_is_given_up_on_after_the_deadline(monkeypatch):
    import huggingface_hub

    release = threading.Event()
    started = []

    def hanging_snapshot_download(repo_id, **kwargs):
        started.append(kwargs)
        release.wait(60)
        raise OSError("released")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", hanging_snapshot_download)
    monkeypatch.setattr(P, "_package_dir", lambda: None)
    monkeypatch.delenv(P.ENV_VAR, raising=False)
    monkeypatch.setenv(P.HUB_TIMEOUT_ENV, "0.5")
    try:
        for _ in range(2):  # the second caller joins the download in flight instead of starting another
            with pytest.raises(P.ModelUnavailable, match=r"did not send the model within 0.5 s"):
                P.load_encoder()
        assert len(started) == 1 and started[0]["etag_timeout"] > 0
    finally:
        release.set()


class SilentServer:
    """Accepts TCP connections and never answers: a Hub that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self):
        for conn in self.connections:
            conn.close()
        self.sock.close()


def test_a_real_download_from_a_silent_hub_ends_with_a_clear_message(tmp_path):
    """huggingface_hub itself waited on such a server for good (a load had not returned after 900 s)."""
    server = SilentServer()
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", P.ENV_VAR)}
    env.update(HF_ENDPOINT=server.url, HF_HOME=str(tmp_path / "hf"), **{P.HUB_TIMEOUT_ENV: "3"})
    code = ("import attention.pretrained as P; P._package_dir = lambda: None\n"
            "try:\n    P.load_encoder()\nexcept P.ModelUnavailable as e:\n    print('UNAVAILABLE', e)\n")
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)  # a hang would end here, failing the test
    finally:
        server.close()
    assert "UNAVAILABLE The Hugging Face Hub did not send the model within 3 s" in done.stdout, done.stderr[-2000:]
    assert server.connections, "the download never reached the (silent) Hub"


# ---- in the app ---------------------------------------------------------------------------------------------


def test_the_heatmap_explains_a_broken_model_and_does_not_retry_on_every_rerun(
        monkeypatch, tmp_path, package_dir, weights):
    folder = model_folder(tmp_path, package_dir, weights, **{LAYER0_QUERY: weights[LAYER0_QUERY][:10]})
    monkeypatch.setenv(P.ENV_VAR, str(folder))
    attempts = []

    def load():
        attempts.append(1)
        return P.load_encoder()

    monkeypatch.setattr(P, "SHARED_LOADER", P.EncoderLoader(load))
    at = app_page(HEATMAP, {"mode": "pretrained"}).run(timeout=120)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "not available on this server" in errors and "has shape (10, 384)" in errors
    assert "tries again in about 5 minutes" in errors
    at.radio(key="heatmap.mode").set_value("random").run()
    at.radio(key="heatmap.mode").set_value("pretrained").run()
    assert not at.exception and len(attempts) == 1


def test_other_modes_and_pages_work_while_the_model_is_still_loading(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(P, "SHARED_LOADER", P.EncoderLoader(lambda: release.wait(60) and "never used"))
    stuck = threading.Thread(target=P.SHARED_LOADER.get, daemon=True)
    stuck.start()  # another session's load holds the loader
    try:
        at = app_page(HEATMAP, {"mode": "random"}).run(timeout=120)
        assert not at.exception and at.get("plotly_chart")
        at = app_page("pages/3_🎓_Academic.py").run(timeout=300)
        assert not at.exception
    finally:
        release.set()
        stuck.join(30)
