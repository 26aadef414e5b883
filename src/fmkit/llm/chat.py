"""Chat templates: render messages the way the model was trained to read them.

GGUF files and HF tokenizers carry their template (Jinja2, as written by the model's authors); it is
rendered in a sandbox with the same extras transformers provides. Models without one (base models such
as GPT-2) get a plain ``role: content`` layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmkit.llm.runtime import Message

PLAIN = (
    "{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}\n\n"
    "{% else %}{{ m['role'] | capitalize }}: {{ m['content'] }}\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


def render(
    template: str | None,
    messages: Sequence[Message],
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
) -> str:
    """``messages`` through ``template`` (or the plain layout when None)."""
    import json

    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from fmkit.errors import ConfigError

    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    environment.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)

    def raise_exception(message: str) -> None:
        raise ConfigError(f"the model's chat template refused the messages: {message}")

    try:
        compiled = environment.from_string(template or PLAIN)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"the model's chat template does not parse ({exc}); pass a model with a valid one") from None
    return compiled.render(
        messages=list(messages),
        bos_token=bos_token,
        eos_token=eos_token,
        add_generation_prompt=add_generation_prompt,
        raise_exception=raise_exception,
    )
