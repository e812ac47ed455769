import pytest


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """One directory of tiny models for every test here (each model is quantized once per session)."""
    return str(tmp_path_factory.mktemp("models"))
