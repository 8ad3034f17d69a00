"""Limits on what one GraphQL document may ask for.

Depth, alias count and token count use strawberry's own extensions. Strawberry
has no cost analysis, so :class:`ComplexityLimiter` adds one as a validation
rule: it refuses a document before anything runs when its worst-case cost
exceeds :data:`MAX_COMPLEXITY`.

Cost model (worst case, so it can be checked without the variables):

* a leaf field (scalar, enum) costs 0;
* an object field costs ``n × (1 + cost of its selections)``, where ``n`` is
  the list size it may return: the literal ``first``/``limit``/``topK``
  argument, or, when it comes from a variable or is left out, the argument's
  largest allowed value or its default (see :data:`SIZE_ARGS`); lists without a
  size argument use :data:`LIST_SIZES`, and single objects count 1.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    is_leaf_type,
)
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter
from strawberry.extensions import QueryDepthLimiter as DepthLimiter

#: Deepest selection nesting, counted by strawberry's ``QueryDepthLimiter``.
MAX_DEPTH = 10
#: Most aliases in one document.
MAX_ALIASES = 30
#: Most tokens in one document (stops giant documents before they are parsed).
MAX_TOKENS = 4000
#: Most cost units one document may ask for (see the module docstring).
MAX_COMPLEXITY = 10_000

#: Size arguments and the value assumed when a variable supplies them.
SIZE_ARGS = {"first": 100, "limit": 500, "topK": 100}
#: Worst-case sizes assumed for lists without a size argument.
LIST_SIZES = {"Fact.sources": 5, "Query.spaces": 20, "Path.nodes": 5, "Path.edges": 4}


class ComplexityLimiter(AddValidationRules):
    """Refuse documents whose worst-case cost exceeds ``max_complexity``."""

    def __init__(self, max_complexity: int = MAX_COMPLEXITY) -> None:
        super().__init__([_rule(max_complexity)])


def limit_extensions() -> list[Any]:
    """Every limit as a schema-extension factory (a fresh one per request)."""
    return [
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(DepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        ComplexityLimiter,
    ]


def _rule(max_complexity: int) -> type[ValidationRule]:
    class ComplexityRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            cost = _Cost(self.context).selections(node.selection_set, root)
            if cost > max_complexity:
                self.report_error(
                    GraphQLError(
                        f"query is too complex: worst-case cost {cost} exceeds {max_complexity}; "
                        "ask for fewer items (first / limit / topK) or less nesting",
                        node,
                        extensions={"cost": cost, "maxCost": max_complexity},
                    )
                )

    return ComplexityRule


class _Cost:
    """Worst-case cost of selections, following fragments once per path."""

    def __init__(self, context: ValidationContext) -> None:
        self._fragments: dict[str, FragmentDefinitionNode] = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self._schema = context.schema
        self._seen: set[str] = set()

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                inner = self._schema.get_type(cond.name.value) if cond else parent
                total += self.selections(sel.selection_set, inner or parent)
            elif isinstance(sel, FragmentSpreadNode):
                total += self._spread(sel, parent)
        return total

    def _spread(self, sel: FragmentSpreadNode, parent: GraphQLNamedType) -> int:
        name = sel.name.value
        fragment = self._fragments.get(name)
        if fragment is None or name in self._seen:  # cycles are reported by graphql-core
            return 0
        self._seen.add(name)
        try:
            inner = self._schema.get_type(fragment.type_condition.name.value) or parent
            return self.selections(fragment.selection_set, inner)
        finally:
            self._seen.discard(name)

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        if not isinstance(parent, GraphQLObjectType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:  # unknown fields are reported by graphql-core
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        size = _size(node, definition, f"{parent.name}.{node.name.value}")
        return size * (1 + self.selections(node.selection_set, named))


def _size(node: FieldNode, definition: GraphQLField, where: str) -> int:
    for arg in node.arguments or ():
        name = arg.name.value
        if name in SIZE_ARGS:
            if isinstance(arg.value, IntValueNode):
                return max(1, int(arg.value.value))
            return SIZE_ARGS[name]  # a variable: assume the largest allowed
    for name, arg_def in definition.args.items():
        if name in SIZE_ARGS and isinstance(arg_def.default_value, int):
            return max(1, arg_def.default_value)
    return LIST_SIZES.get(where, 1)
