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


@pytest.fixture(scope="session")
def fwverify():
    path = os.environ.get("IMAGE_FWVERIFY", os.path.join(ROOT, "build", "image", "image_fwverify"))
    assert os.access(path, os.X_OK), f"{path} not built (make build/image/image_fwverify)"
    return path
