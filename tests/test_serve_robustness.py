"""gan-serve under hostile or unusual requests: bounded memory, one bad request fails alone, v2's corners.

The batcher is tested directly (asyncio, a scripted compute function); the
HTTP behaviour through a real ``gan-serve`` process on a free 127.0.0.1 port.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from ganedge.runtime import GeneratorModel
from ganedge.runtime.serve.app import MAX_BODY_BYTES
from ganedge.runtime.serve.batching import DynamicBatcher


def _post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
    response = connection.getresponse()
    raw = response.read()
    is_json = response.getheader("content-type", "").startswith("application/json")
    return response.status, json.loads(raw) if is_json else {}, dict(response.getheaders())


# --- the batcher -----------------------------------------------------------------------------------


def test_one_failing_request_fails_alone_and_its_batch_mates_get_their_rows() -> None:
    def compute(z: np.ndarray, output: str) -> np.ndarray:
        if np.any(z < 0):
            raise ValueError("negative latents")
        return z * 2

    async def scenario() -> list[object]:
        batcher = DynamicBatcher(compute, max_batch=64, max_delay=0.01)  # a window: all three share one pass
        asks = [batcher.submit(np.full((2, 3), v, np.float32), "y") for v in (1.0, -1.0, 3.0)]
        answers = await asyncio.gather(*asks, return_exceptions=True)
        await batcher.close()
        return answers

    good, bad, other = asyncio.run(scenario())
    assert isinstance(bad, ValueError)
    assert np.array_equal(good, np.full((2, 3), 2.0)) and np.array_equal(other, np.full((2, 3), 6.0))


def test_no_pass_runs_more_latents_than_max_batch_unless_one_request_alone_is_larger() -> None:
    sizes: list[int] = []

    def compute(z: np.ndarray, output: str) -> np.ndarray:
        sizes.append(len(z))
        return z

    async def scenario() -> None:
        batcher = DynamicBatcher(compute, max_batch=64, max_delay=0.01)
        await asyncio.gather(*(batcher.submit(np.zeros((rows, 2), np.float32), "y") for rows in (60, 60, 60, 100)))
        await batcher.close()

    asyncio.run(scenario())
    assert sorted(sizes) == [60, 60, 60, 100]


def test_the_batcher_serves_a_second_event_loop_and_close_answers_what_waits() -> None:
    batcher = DynamicBatcher(lambda z, output: z + 1, max_batch=8, max_delay=0.0)

    async def ask() -> np.ndarray:
        return await batcher.submit(np.zeros((1, 2), np.float32), "y")

    assert asyncio.run(ask()).tolist() == [[1.0, 1.0]]  # its worker's loop ends with this run
    assert asyncio.run(ask()).tolist() == [[1.0, 1.0]]  # a new loop: a new worker, not a request left waiting

    async def stopped_while_waiting() -> BaseException | None:
        release = threading.Event()
        blocked = DynamicBatcher(lambda z, output: release.wait(5) and z, max_batch=8, max_delay=0.0)
        waiting = asyncio.ensure_future(blocked.submit(np.zeros((1, 2), np.float32), "y"))
        await asyncio.sleep(0.05)  # its pass has started and hangs
        await blocked.close()
        release.set()
        try:
            await asyncio.wait_for(waiting, 5)
        except Exception as error:
            return error
        return None

    error = asyncio.run(stopped_while_waiting())
    assert error is not None and "stopping" in str(error)


# --- over HTTP -------------------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
    connection.putrequest("POST", "/v2/models/generator/infer")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    chunk = b"0" * 2**20
    try:
        for _ in range(MAX_BODY_BYTES // len(chunk) + 1):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the last chunk: what this test wants
    response = connection.getresponse()
    assert response.status == 413 and "larger than" in json.loads(response.read())["error"]


def test_a_bad_latent_in_a_batch_is_refused_alone(server: int, model_file: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def ask(bad: bool) -> tuple[int, dict, dict[str, str]]:
        z = np.full((2, 100), 1e30 if bad else 0.5, np.float32)
        body = {"inputs": [{"name": "z", "datatype": "FP32", "shape": [2, 100], "data": z.ravel().tolist()}],
                "outputs": [{"name": "pixels"}]}
        return _post(server, "/v2/models/generator/infer", json.dumps(body).encode())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, [i % 4 == 0 for i in range(16)]))
    model = GeneratorModel(model_file, device="cpu")
    expected = model.generate(np.full((2, 100), 0.5, np.float32)).ravel().tolist()
    for i, (status, answer, _) in enumerate(answers):
        if i % 4 == 0:
            assert status == 400 and "finite numbers within" in answer["error"]
        else:
            assert status == 200 and answer["outputs"][0]["data"] == expected


@pytest.mark.parametrize("body, said", [
    ({"inputs": [{"name": ["z"], "datatype": "FP32", "shape": [1, 100], "data": [0.0] * 100}]}, "unknown input"),
    ({"inputs": [{"name": "z", "datatype": "FP32", "shape": [1, 100], "data": [0.0] * 100, "parameters": [1]}]},
     "'parameters' of input 'z' must be a JSON object"),
    ({"parameters": {"seed": 0, "n": 1}, "outputs": [{"name": "pixels", "parameters": "x"}]},
     "'parameters' of output 'pixels' must be a JSON object"),
    ({"parameters": {"seed": 0, "n": 16_385}}, "'n' must be a whole number from 1 to 16,384"),
], ids=["list-name", "list-parameters", "text-parameters", "n-over-16384"])
def test_malformed_requests_are_400_with_the_v2_error_body(server: int, body: dict, said: str) -> None:
    status, answer, _ = _post(server, "/v2/models/generator/infer", json.dumps(body).encode())
    assert status == 400 and said in answer["error"]


def test_json_nested_too_deeply_is_400_not_a_crash(server: int) -> None:
    status, answer, _ = _post(server, "/v2/models/generator/infer", b"[" * 100_000)
    assert status == 400 and "nests too deeply" in answer["error"]


def test_binary_data_output_makes_every_listed_output_binary_unless_it_says_otherwise(server: int) -> None:
    body = {"parameters": {"seed": 0, "n": 2, "binary_data_output": True},
            "outputs": [{"name": "pixels"}, {"name": "image", "parameters": {"binary_data": False}}]}
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("POST", "/v2/models/generator/infer", body=json.dumps(body).encode())
    response = connection.getresponse()
    raw, header_length = response.read(), int(response.getheader("Inference-Header-Content-Length"))
    outputs = {o["name"]: o for o in json.loads(raw[:header_length])["outputs"]}
    assert outputs["pixels"]["parameters"]["binary_data_size"] == 2 * 784 and "data" not in outputs["pixels"]
    assert len(outputs["image"]["data"]) == 2 * 784 and len(raw) == header_length + 2 * 784


def test_the_versioned_paths_answer_as_the_plain_ones_and_other_versions_are_404(server: int) -> None:
    body = json.dumps({"parameters": {"seed": 1, "n": 1}, "outputs": [{"name": "pixels"}]}).encode()
    plain = _post(server, "/v2/models/generator/infer", body)
    versioned = _post(server, "/v2/models/generator/versions/1/infer", body)
    assert plain[0] == versioned[0] == 200 and plain[1]["outputs"] == versioned[1]["outputs"]
    status, answer, _ = _post(server, "/v2/models/generator/versions/2/infer", body)
    assert status == 404 and "one version" in answer["error"]
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("GET", "/v2/models/generator/versions/1")
    assert json.loads(connection.getresponse().read())["name"] == "generator"


def test_a_wrong_method_is_405_with_the_allowed_one(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("GET", "/v2/models/generator/infer")
    response = connection.getresponse()
    assert response.status == 405 and "POST" in response.getheader("allow", "")
    assert "error" in json.loads(response.read())
