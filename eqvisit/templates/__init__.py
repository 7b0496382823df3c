"""Interview templates: schema, loader, validator, conditions, versions, XLSX import, framework."""

from __future__ import annotations

from eqvisit.templates.body import template_from_body, template_to_body
from eqvisit.templates.condition_text import (
    ConditionSyntaxError,
    condition_to_text,
    parse_condition_text,
)
from eqvisit.templates.conditions import (
    Condition,
    evaluate,
    is_visible,
    referenced_questions,
    visible_question_ids,
)
from eqvisit.templates.diff import QuestionChange, SectionChange, TemplateDiff, diff_templates
from eqvisit.templates.framework import (
    Domain,
    Framework,
    Standard,
    available_frameworks,
    bundled_frameworks,
    load_framework,
)
from eqvisit.templates.loader import (
    default_template_paths,
    load_default_templates,
    load_template,
    load_template_file,
    load_template_text,
)
from eqvisit.templates.problems import TemplateValidationError, XlsxCellError, problems_of
from eqvisit.templates.resources import resources_root
from eqvisit.templates.schema import Option, Question, QuestionType, Section, Template
from eqvisit.templates.xlsx import load_xlsx
from eqvisit.templates.xlsx_export import write_xlsx
from eqvisit.templates.yaml_dump import dump_yaml

__all__ = [
    "Condition",
    "ConditionSyntaxError",
    "Domain",
    "Framework",
    "Option",
    "Question",
    "QuestionChange",
    "QuestionType",
    "Section",
    "SectionChange",
    "Standard",
    "Template",
    "TemplateDiff",
    "TemplateValidationError",
    "XlsxCellError",
    "available_frameworks",
    "bundled_frameworks",
    "condition_to_text",
    "default_template_paths",
    "diff_templates",
    "dump_yaml",
    "evaluate",
    "is_visible",
    "load_default_templates",
    "load_framework",
    "load_template",
    "load_template_file",
    "load_template_text",
    "load_xlsx",
    "parse_condition_text",
    "problems_of",
    "referenced_questions",
    "resources_root",
    "template_from_body",
    "template_to_body",
    "visible_question_ids",
    "write_xlsx",
]
