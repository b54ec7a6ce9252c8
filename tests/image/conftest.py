import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="session")
def lifeboat():
    path = os.environ.get("LIFEBOAT", os.path.join(ROOT, "build", "tools", "lifeboat"))
    assert os.access(path, os.X_OK), f"{path} not built (make tools)"

    def run(*args, check=None):
        p = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if check is not None:
            assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
        return p
    return run


SIG_BACKENDS = ("bearssl", "mbedtls")  # lib/src/sig/


def fwverify_path(backend):
    """lib's verifier as the firmware builds it with `backend`, on the host
    (tests/bench/image_fwverify.c; mk/fw-image.mk)."""
    path = os.environ.get("IMAGE_FWVERIFY", os.path.join(ROOT, "build", "image", "image_fwverify"))
    if backend != "mbedtls":
        path += "-" + backend
    assert os.access(path, os.X_OK), f"{path} not built (make test-image)"
    return path


@pytest.fixture(scope="session", params=SIG_BACKENDS)
def fwverify(request):
    """(backend, path) of each firmware-built verifier in turn."""
    return request.param, fwverify_path(request.param)
