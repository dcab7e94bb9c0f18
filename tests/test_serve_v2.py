"""gan-serve speaks the Open Inference Protocol (v2): the real tritonclient gets generate()'s arrays, bit for bit.

The server runs as a real process on a free 127.0.0.1 port. tritonclient's
HTTP client is gevent-based, so it is only called from the main thread.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as triton
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from benchmarks.serving import start_server
from ganedge.runtime import ClassifierModel, GeneratorModel
from ganedge.runtime.models import BUNDLED_CLASSIFIER


@pytest.fixture(scope="module")
def client(server: int) -> triton.InferenceServerClient:
    return triton.InferenceServerClient(f"127.0.0.1:{server}")


def _post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def test_health_and_model_metadata_answer_as_triton_does(client: triton.InferenceServerClient, model_file: Path) -> None:
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("generator") and client.is_model_ready("classifier")
    meta = client.get_model_metadata("generator")
    assert meta["inputs"] == [{"name": "z", "datatype": "FP32", "shape": [-1, 100]}]
    assert meta["outputs"] == [{"name": "image", "datatype": "FP32", "shape": [-1, 1, 28, 28]},
                               {"name": "pixels", "datatype": "UINT8", "shape": [-1, 28, 28]}]
    assert [o["name"] for o in client.get_model_metadata("classifier")["outputs"]] == ["logits", "features"]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
@pytest.mark.parametrize("n", [1, 7, 300])
def test_tritonclient_gets_generate_bit_for_bit(client: triton.InferenceServerClient, model_file: Path,
                                                binary: bool, n: int) -> None:
    model = GeneratorModel(model_file, device="cpu")
    z = model.sample_latents(n, seed=n)
    request = triton.InferInput("z", list(z.shape), "FP32")
    request.set_data_from_numpy(z, binary_data=binary)
    outputs = [triton.InferRequestedOutput(name, binary_data=binary) for name in ("image", "pixels")]
    result = client.infer("generator", [request], outputs=outputs)
    assert np.array_equal(result.as_numpy("image"), model.generate(z, output="float"))
    assert np.array_equal(result.as_numpy("pixels"), model.generate(z))


def test_a_seed_and_n_request_needs_no_latents(client: triton.InferenceServerClient, model_file: Path) -> None:
    model = GeneratorModel(model_file, device="cpu")
    result = client.infer("generator", [], outputs=[triton.InferRequestedOutput("pixels")], parameters={"seed": 3, "n": 8})
    assert np.array_equal(result.as_numpy("pixels"), model.generate(model.sample_latents(8, seed=3)))


def test_the_classifier_is_the_second_model(client: triton.InferenceServerClient) -> None:
    images = np.tanh(np.random.default_rng(0).standard_normal((5, 1, 28, 28))).astype(np.float32)
    request = triton.InferInput("image", list(images.shape), "FP32")
    request.set_data_from_numpy(images)
    result = client.infer("classifier", [request])
    logits, features = ClassifierModel(BUNDLED_CLASSIFIER, device="cpu").outputs(images)
    assert np.array_equal(result.as_numpy("logits"), logits) and np.array_equal(result.as_numpy("features"), features)


def _infer_body(**overrides: object) -> bytes:
    entry = {"name": "z", "datatype": "FP32", "shape": [2, 100], "data": [0.0] * 200}
    entry.update(overrides)
    return json.dumps({"inputs": [entry]}).encode()


@pytest.mark.parametrize("body, said", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (_infer_body(name="x"), "unknown input"),
    (_infer_body(datatype="FP64"), "must be FP32"),
    (_infer_body(shape=[2, 99]), "must have shape"),
    (_infer_body(shape=[3, 100]), "do not fill"),
    (_infer_body(data=["a"] * 200), "not a float32 number"),
    (_infer_body(data=[float("nan")] * 200).replace(b"NaN", b"NaN"), "finite"),
    (json.dumps({"parameters": {"seed": 0, "n": 10**9}}).encode(), "'n' must be a whole number"),
    (json.dumps({"parameters": {"seed": -1, "n": 1}}).encode(), "'seed' must be a whole number"),
    (json.dumps({"outputs": [{"name": "logits"}], "parameters": {"seed": 0, "n": 1}}).encode(), "unknown output"),
    (json.dumps({}).encode(), "send the input 'z'"),
], ids=["not-json", "not-object", "wrong-name", "wrong-type", "wrong-shape", "short-data", "text-data", "nan",
        "n-over-limit", "negative-seed", "unknown-output", "nothing"])
def test_a_bad_request_is_400_with_the_v2_error_body_and_the_server_keeps_serving(
    server: int, client: triton.InferenceServerClient, body: bytes, said: str
) -> None:
    status, answer = _post(server, "/v2/models/generator/infer", body)
    assert status == 400, answer
    assert said in json.loads(answer)["error"]
    assert client.is_server_ready()


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.putrequest("POST", "/v2/models/generator/infer")
    connection.putheader("Content-Length", str(200 * 2**20))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and "larger than" in json.loads(response.read())["error"]


def test_a_binary_request_whose_sizes_lie_is_400(server: int) -> None:
    header = json.dumps({"inputs": [{"name": "z", "datatype": "FP32", "shape": [2, 100],
                                     "parameters": {"binary_data_size": 800}}]}).encode()
    status, answer = _post(server, "/v2/models/generator/infer", header + bytes(400),
                           {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400 and "binary_data_size" in json.loads(answer)["error"]


def test_concurrent_requests_batched_together_each_get_their_own_rows(server: int, model_file: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    model = GeneratorModel(model_file, device="cpu")

    def ask(seed: int) -> np.ndarray:
        status, answer = _post(server, "/v2/models/generator/infer", json.dumps(
            {"parameters": {"seed": seed, "n": 4}, "outputs": [{"name": "pixels"}]}).encode())
        assert status == 200
        return np.array(json.loads(answer)["outputs"][0]["data"], np.uint8).reshape(4, 28, 28)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(48)))
    for seed, pixels in enumerate(answers):
        assert np.array_equal(pixels, model.generate(model.sample_latents(4, seed)))


def test_sigterm_answers_the_request_in_flight_then_stops_cleanly(model_file: Path) -> None:
    import threading

    process, port = start_server(model_file, [], keep_output=True)
    answers: list[int] = []
    body = json.dumps({"parameters": {"seed": 0, "n": 5_000}, "outputs": [{"name": "image"}]}).encode()  # ~1 s of JSON
    asking = threading.Thread(target=lambda: answers.append(_post(port, "/v2/models/generator/infer", body)[0]))
    asking.start()
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    asking.join(timeout=60)
    assert answers == [200]
    assert process.wait(timeout=30) == 0
    assert b"stopped" in (process.stdout.read() if process.stdout else b"")


def test_worker_processes_share_the_port_answer_generate_and_stop_cleanly(model_file: Path) -> None:
    process, port = start_server(model_file, ["--workers", "2"], keep_output=True)
    try:
        body = json.dumps({"parameters": {"seed": 3, "n": 4}, "outputs": [{"name": "pixels"}]}).encode()
        answers = [_post(port, "/v2/models/generator/infer", body) for _ in range(8)]
    finally:
        process.send_signal(signal.SIGTERM)
    model = GeneratorModel(model_file, device="cpu")
    expected = model.generate(model.sample_latents(4, 3)).ravel().tolist()
    for status, answer in answers:
        assert status == 200
        assert json.loads(answer)["outputs"][0]["data"] == expected
    assert process.wait(timeout=30) == 0


# --- the Triton model repository ----------------------------------------------------------------------

def test_the_triton_repository_parses_as_tritons_own_model_config_and_matches_the_graphs(model_file: Path,
                                                                                       tmp_path: Path) -> None:
    from ganedge.runtime.commands.serve import main

    assert main(["--model", str(model_file), "--triton-repo", str(tmp_path / "repo")]) == 0
    for name, path in (("generator", model_file), ("classifier", BUNDLED_CLASSIFIER)):
        config = text_format.Parse((tmp_path / "repo" / name / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
        assert config.name == name and config.backend == "onnxruntime" and config.max_batch_size > 0
        assert config.dynamic_batching.max_queue_delay_microseconds > 0
        assert [g.kind for g in config.instance_group] == [model_config_pb2.ModelInstanceGroup.KIND_CPU]
        assert (tmp_path / "repo" / name / "1" / "model.onnx").read_bytes() == path.read_bytes()
        import onnxruntime as ort

        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        types = {"tensor(float)": model_config_pb2.TYPE_FP32, "tensor(uint8)": model_config_pb2.TYPE_UINT8}
        for declared, actual in ((config.input, session.get_inputs()), (config.output, session.get_outputs())):
            assert [(t.name, t.data_type, list(t.dims)) for t in declared] == \
                   [(a.name, types[a.type], list(a.shape[1:])) for a in actual]


def test_the_gpu_repository_asks_for_a_gpu_instance(model_file: Path, tmp_path: Path) -> None:
    from ganedge.runtime.commands.serve import main

    assert main(["--model", str(model_file), "--triton-repo", str(tmp_path), "--triton-kind", "gpu"]) == 0
    config = text_format.Parse((tmp_path / "generator" / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
    assert [g.kind for g in config.instance_group] == [model_config_pb2.ModelInstanceGroup.KIND_GPU]


def test_the_documented_client_script_gets_generates_pixels(server: int, model_file: Path, tmp_path: Path) -> None:
    """benchmarks/v2_client.py uses tritonclient alone: what runs against gan-serve runs against Triton."""
    from PIL import Image

    done = subprocess.run([sys.executable, "-m", "benchmarks.v2_client", "--url", f"127.0.0.1:{server}", "--seed", "2",
                           "--n", "5", "--out", str(tmp_path / "grid.png")], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    model = GeneratorModel(model_file, device="cpu")
    expected = np.concatenate(list(model.generate(model.sample_latents(5, seed=2))), axis=1)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "grid.png")), expected)
