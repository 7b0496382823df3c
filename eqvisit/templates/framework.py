"""The quality framework (domains and numbered standards) as versioned reference data."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, StrictInt, ValidationError, model_validator

from eqvisit.errors import TemplateError
from eqvisit.templates.fields import FrozenModel, Slug, StandardCode, Text
from eqvisit.templates.problems import TemplateValidationError
from eqvisit.templates.resources import frameworks_dir
from eqvisit.templates.translate import translate_validation_error


class Standard(FrozenModel):
    """One numbered standard, summarised in our own words."""

    code: StandardCode
    title: Text
    summary: Text


class Domain(FrozenModel):
    """One of the framework's domains; its standards are numbered ``<number>.<n>``."""

    number: StrictInt = Field(ge=1)
    title: Text
    summary: Text
    standards: tuple[Standard, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_belong_to_domain(self) -> Self:
        for standard in self.standards:
            if standard.code.split(".")[0] != str(self.number):
                raise ValueError(
                    f"standard {standard.code} is listed under domain {self.number}; "
                    f"its code must start with '{self.number}.'"
                )
        return self


class Framework(FrozenModel):
    """A version of the quality framework: templates and findings cite ``version`` + code."""

    version: Slug
    title: Text
    published: Text
    note: str = ""
    domains: tuple[Domain, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        numbers = [domain.number for domain in self.domains]
        if len(set(numbers)) != len(numbers):
            raise ValueError("domain numbers must be unique")
        codes = [s.code for domain in self.domains for s in domain.standards]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"standard codes must be unique; repeated: {', '.join(duplicates)}")
        return self

    @property
    def standards(self) -> tuple[Standard, ...]:
        """Every standard, in domain order."""
        return tuple(s for domain in self.domains for s in domain.standards)

    def codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.standards)

    def standard(self, code: str) -> Standard | None:
        """The standard with ``code``, or ``None``."""
        for candidate in self.standards:
            if candidate.code == code:
                return candidate
        return None

    def domain_of(self, code: str) -> Domain | None:
        """The domain that holds standard ``code``, or ``None``."""
        for domain in self.domains:
            if any(s.code == code for s in domain.standards):
                return domain
        return None


#: Every key a framework document may use, for "did you mean" hints.
FRAMEWORK_KEYS = frozenset({*Framework.model_fields, *Domain.model_fields, *Standard.model_fields})


def read_framework_file(path: Path) -> Framework:
    """Load one framework file; problems raise :class:`TemplateError` with file and line."""
    from eqvisit.templates.yaml_reader import LineLocator, load_yaml_file  # YAML only when read

    document = load_yaml_file(path)
    locator = LineLocator(document.source, document.lines)
    if not isinstance(document.data, dict):
        raise TemplateError(document.source, "a framework file must be a mapping", line=1)
    try:
        framework = Framework.model_validate(document.data)
    except ValidationError as exc:
        problems = translate_validation_error(exc, FRAMEWORK_KEYS)
        raise TemplateValidationError([locator.error(p.loc, p.message) for p in problems]) from None
    if path.stem != framework.version:
        raise locator.error(
            ("version",),
            f"the file of framework {framework.version!r} must be named {framework.version}.yaml",
        )
    return framework


@lru_cache(maxsize=8)
def _frameworks_in(folder: Path) -> dict[str, Framework]:
    found: dict[str, Framework] = {}
    for path in sorted(folder.glob("*.yaml")):
        framework = read_framework_file(path)
        found[framework.version] = framework
    return found


def bundled_frameworks(folder: Path | None = None) -> Mapping[str, Framework]:
    """Every framework in ``folder`` (default: the bundled resources), keyed by version."""
    return dict(_frameworks_in((folder or frameworks_dir()).resolve()))


def available_frameworks(folder: Path | None = None) -> list[str]:
    """The framework versions available, sorted."""
    return sorted(bundled_frameworks(folder))


def load_framework(version: str, folder: Path | None = None) -> Framework:
    """The framework ``version``; :class:`TemplateError` if it is not available."""
    frameworks = bundled_frameworks(folder)
    try:
        return frameworks[version]
    except KeyError:
        known = ", ".join(sorted(frameworks)) or "none"
        raise TemplateError(
            str(folder or frameworks_dir()),
            f"no framework version {version!r}; available: {known}",
        ) from None
