"""Unit algebra for metric formulas: a unit is a product of base units with integer powers.

'households', 'USD' and 'baskets' are base units; 'ratio', 'percent' and '1' are dimensionless;
'USD/households' and 'households*days' combine them. Adding or subtracting needs equal units,
multiplying adds powers, dividing subtracts them: households * ratio is households, households /
households is dimensionless, and households + USD is an error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

DIMENSIONLESS = frozenset({"ratio", "percent", "1", "share", "rate"})

Unit = tuple[tuple[str, int], ...]


class UnitError(ValueError):
    """A formula combines values whose units do not agree."""


def parse_unit(text: str) -> Unit:
    """Parse 'USD/households' into ((USD, 1), (households, -1)); dimensionless is ()."""
    powers: dict[str, int] = {}
    sign = 1
    token = ""
    for char in f"{text}*":
        if char in "*/":
            name = token.strip()
            if name and name not in DIMENSIONLESS:
                powers[name] = powers.get(name, 0) + sign
            sign = 1 if char == "*" else -1
            token = ""
        else:
            token += char
    return tuple(sorted((name, power) for name, power in powers.items() if power))


def format_unit(unit: Unit) -> str:
    if not unit:
        return "ratio"
    above = [name if power == 1 else f"{name}^{power}" for name, power in unit if power > 0]
    below = [name if power == -1 else f"{name}^{-power}" for name, power in unit if power < 0]
    text = "*".join(above) or "1"
    return f"{text}/{'*'.join(below)}" if below else text


def _combine(left: Unit, right: Unit, sign: int) -> Unit:
    powers = dict(left)
    for name, power in right:
        powers[name] = powers.get(name, 0) + sign * power
    return tuple(sorted((name, power) for name, power in powers.items() if power))


def expression_unit(expression: str, unit_of: Callable[[str], str]) -> Unit:
    """Unit of an arithmetic expression over metric ids; raise UnitError on + or - of unlike units.

    Numeric constants are dimensionless. `unit_of` returns the declared unit of a metric id.
    """
    tree = ast.parse(expression, mode="eval")

    def unit(node: ast.AST) -> Unit:
        if isinstance(node, ast.Name):
            return parse_unit(unit_of(node.id))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return ()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            return unit(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = unit(node.left), unit(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                if left != right:
                    raise UnitError(
                        f"{ast.unparse(node)!r} adds or subtracts {format_unit(left)} and "
                        f"{format_unit(right)}"
                    )
                return left
            if isinstance(node.op, ast.Mult):
                return _combine(left, right, 1)
            if isinstance(node.op, ast.Div):
                return _combine(left, right, -1)
        raise UnitError(f"{ast.unparse(node)!r} is not arithmetic over metric ids and numbers")

    return unit(tree.body)


def divisors(expression: str) -> list[str]:
    """The source text of every right-hand side of a division in `expression`."""
    tree = ast.parse(expression, mode="eval")
    return [
        ast.unparse(node.right)
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
    ]
