"""Providers build the exact URLs and headers of PROTOCOL.md §1, and never leak secrets."""

from __future__ import annotations

import pytest

from rtvoice import AzureOpenAIProvider, OpenAIProvider, RealtimeProvider, UserError

SECRET = "sk-test-0123456789abcdef"

_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "AZURE_OPENAI_RESOURCE",
    "AZURE_OPENAI_DEPLOYMENT",
    "AZURE_OPENAI_API_KEY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


# --- OpenAI -------------------------------------------------------------------------------


def test_openai_url_and_headers_from_arguments() -> None:
    provider = OpenAIProvider(api_key=SECRET, organization="org-1", project="proj-1")
    assert provider.build_url("gpt-realtime-2") == (
        "wss://api.openai.com/v1/realtime?model=gpt-realtime-2"
    )
    assert provider.build_headers() == {
        "Authorization": f"Bearer {SECRET}",
        "OpenAI-Organization": "org-1",
        "OpenAI-Project": "proj-1",
    }
    assert provider.dialect == "ga"


def test_openai_falls_back_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    headers = OpenAIProvider().build_headers()
    assert headers == {
        "Authorization": f"Bearer {SECRET}",
        "OpenAI-Organization": "org-env",
        "OpenAI-Project": "proj-env",
    }


def test_openai_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert OpenAIProvider(api_key=SECRET).build_headers()["Authorization"] == f"Bearer {SECRET}"


def test_openai_without_organization_sends_only_authorization() -> None:
    headers = OpenAIProvider(api_key=SECRET).build_headers()
    assert headers == {"Authorization": f"Bearer {SECRET}"}
    assert not any(name.lower() == "openai-beta" for name in headers)


def test_openai_missing_key_names_argument_and_variable() -> None:
    with pytest.raises(UserError, match=r"api_key.*OPENAI_API_KEY"):
        OpenAIProvider()


def test_openai_empty_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        OpenAIProvider(api_key="")


def test_openai_call_id_attach_form() -> None:
    provider = OpenAIProvider(api_key=SECRET)
    assert provider.build_call_url("rtc_abc123") == (
        "wss://api.openai.com/v1/realtime?call_id=rtc_abc123"
    )


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("ws://127.0.0.1:8765/v1", "ws://127.0.0.1:8765/v1/realtime?model=m"),
        ("http://127.0.0.1:8765/v1/", "ws://127.0.0.1:8765/v1/realtime?model=m"),
        ("https://gateway.example/openai/v1", "wss://gateway.example/openai/v1/realtime?model=m"),
    ],
)
def test_openai_base_url(base_url: str, expected: str) -> None:
    assert OpenAIProvider(api_key=SECRET, base_url=base_url).build_url("m") == expected


def test_openai_rejects_relative_base_url() -> None:
    with pytest.raises(UserError, match="base_url"):
        OpenAIProvider(api_key=SECRET, base_url="127.0.0.1:8765")


def test_openai_model_is_url_quoted() -> None:
    url = OpenAIProvider(api_key=SECRET).build_url("my model&x=1")
    assert url.endswith("?model=my%20model%26x%3D1")


# --- Azure --------------------------------------------------------------------------------


def test_azure_ga_url_and_api_key_header() -> None:
    provider = AzureOpenAIProvider(resource="my-res", deployment="gpt-rt", api_key=SECRET)
    assert provider.build_url("ignored-model") == (
        "wss://my-res.openai.azure.com/openai/v1/realtime?model=gpt-rt"
    )
    assert provider.build_headers() == {"api-key": SECRET}
    assert provider.dialect == "ga"


def test_azure_legacy_preview_path_selects_beta_dialect() -> None:
    provider = AzureOpenAIProvider(
        resource="my-res", deployment="gpt-rt", api_key=SECRET, api_version="2025-04-01-preview"
    )
    assert provider.build_url("x") == (
        "wss://my-res.openai.azure.com/openai/realtime"
        "?api-version=2025-04-01-preview&deployment=gpt-rt"
    )
    assert provider.dialect == "beta"
    assert provider.build_headers() == {"api-key": SECRET}


def test_azure_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_RESOURCE", "env-res")
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "env-dep")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", SECRET)
    provider = AzureOpenAIProvider()
    assert provider.build_url("model") == (
        "wss://env-res.openai.azure.com/openai/v1/realtime?model=env-dep"
    )
    assert provider.build_headers() == {"api-key": SECRET}


def test_azure_deployment_defaults_to_model_name() -> None:
    provider = AzureOpenAIProvider(resource="r", api_key=SECRET)
    assert provider.build_url("gpt-realtime") == (
        "wss://r.openai.azure.com/openai/v1/realtime?model=gpt-realtime"
    )


@pytest.mark.parametrize(
    "resource", ["my-res", "my-res.openai.azure.com", "https://my-res.openai.azure.com/"]
)
def test_azure_resource_forms(resource: str) -> None:
    provider = AzureOpenAIProvider(resource=resource, deployment="d", api_key=SECRET)
    assert provider.build_url("m").startswith("wss://my-res.openai.azure.com/openai/v1/")


def test_azure_entra_token_uses_bearer_and_needs_no_key() -> None:
    provider = AzureOpenAIProvider(resource="r", deployment="d", azure_ad_token="tok-secret")
    assert provider.build_headers() == {"Authorization": "Bearer tok-secret"}
    assert "tok-secret" not in repr(provider)


def test_azure_missing_resource_names_argument_and_variable() -> None:
    with pytest.raises(UserError, match=r"resource.*AZURE_OPENAI_RESOURCE"):
        AzureOpenAIProvider(api_key=SECRET)


def test_azure_missing_key_names_argument_and_variable() -> None:
    with pytest.raises(UserError, match=r"api_key.*AZURE_OPENAI_API_KEY"):
        AzureOpenAIProvider(resource="r")


def test_azure_call_id_sideband() -> None:
    provider = AzureOpenAIProvider(resource="r", api_key=SECRET)
    assert provider.build_call_url("call_1") == (
        "wss://r.openai.azure.com/openai/v1/realtime?call_id=call_1"
    )


# --- Secrets and custom providers -----------------------------------------------------------


def test_secrets_never_in_repr_or_errors() -> None:
    openai = OpenAIProvider(api_key=SECRET)
    azure = AzureOpenAIProvider(resource="r", api_key=SECRET)
    for provider in (openai, azure):
        assert SECRET not in repr(provider)
        assert SECRET not in str(provider)
    with pytest.raises(UserError) as excinfo:
        AzureOpenAIProvider(api_key=SECRET)
    assert SECRET not in str(excinfo.value)


def test_custom_provider_subclass() -> None:
    class Gateway(RealtimeProvider):
        def build_url(self, model: str) -> str:
            return f"ws://127.0.0.1:9/rt?model={model}"

        def build_headers(self) -> dict[str, str]:
            return {"X-Token": "t"}

    gateway = Gateway()
    assert gateway.build_url("m") == "ws://127.0.0.1:9/rt?model=m"
    assert gateway.dialect == "ga"
    with pytest.raises(UserError, match="call_id"):
        gateway.build_call_url("call_1")


def test_provider_without_methods_cannot_be_built() -> None:
    class Incomplete(RealtimeProvider):
        pass

    with pytest.raises(TypeError):
        Incomplete()  # type: ignore[abstract]


@pytest.mark.parametrize(
    ("base_url", "names"),
    [
        ("ws://[::1/v1", "base_url must be an absolute"),
        ("wss://api.example.test:99999/v1", "base_url must be an absolute"),
        ("wss://api.example.test:0/v1", "base_url has port 0"),
        ("ftp://api.example.test/v1", "base_url must be an absolute"),
        ("wss:///v1", "base_url must be an absolute"),
        ("wss://api.example.test/v1?api-key=" + SECRET, "base_url must not have a query"),
        (7, "base_url must be an absolute"),
    ],
)
def test_a_bad_base_url_is_a_user_error_naming_it(base_url: object, names: str) -> None:
    with pytest.raises(UserError) as info:
        OpenAIProvider(api_key=SECRET, base_url=base_url)  # type: ignore[arg-type]
    assert names in str(info.value)
    assert SECRET not in str(info.value)


def test_a_user_info_in_base_url_is_masked_in_repr() -> None:
    provider = OpenAIProvider(api_key="sk-x", base_url=f"wss://u:{SECRET}@gw.example.test/v1")
    assert SECRET not in repr(provider)
    assert "wss://***@gw.example.test/v1" in repr(provider)
