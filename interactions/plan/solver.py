"""An exact search over dose times: no clinical knowledge, only variables, a grid and predicates.

A variable is one dose (item index, dose index); a Rule holds unary checks on one dose's time and
binary checks on two doses' times. The objective is the sum over doses of the distance from the
dose's time to the nearest of its target times; ties go to the earlier time. The search is branch
and bound with forward checking, so when a plan exists on the grid the best one is found; when
none does, a deletion filter names a minimal set of rules that cannot hold together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Var = tuple[int, int]  # (item index, dose index)
Pred = Callable[[int, int], bool]


@dataclass
class Rule:
    """One requirement compiled to checks on dose times; `public` is whatever the caller wants
    back (the planner keeps its PlanConstraint there)."""

    public: Any
    unary: list[tuple[Var, Callable[[int], bool]]] = field(default_factory=list)
    binary: list[tuple[Var, Var, Pred]] = field(default_factory=list)


class Problem:
    def __init__(self, variables: list[Var], grid: list[int], rules: list[Rule],
                 targets: dict[Var, tuple[int, ...]]):
        self.vars, self.grid, self.rules, self.targets = variables, grid, rules, targets

    def cost(self, v: Var, t: int) -> int:
        return min(abs(t - target) for target in self.targets[v])

    def solve(self, active: Iterable[int] | None = None, optimise: bool = True) -> dict[Var, int] | None:
        """Best (or, with optimise=False, any) assignment satisfying the active rules, or None."""
        chosen = [self.rules[i] for i in (range(len(self.rules)) if active is None else active)]
        domains = {v: list(self.grid) for v in self.vars}
        for rule in chosen:
            for v, ok in rule.unary:
                domains[v] = [t for t in domains[v] if ok(t)]
        neighbours: dict[Var, list[tuple[Var, Pred]]] = {v: [] for v in self.vars}
        for rule in chosen:
            for a, b, ok in rule.binary:
                neighbours[a].append((b, ok))
                neighbours[b].append((a, lambda tb, ta, ok=ok: ok(ta, tb)))
        for v in self.vars:
            domains[v].sort(key=lambda t, v=v: (self.cost(v, t), t))
        _fold_fixed(domains, neighbours)
        if not all(domains.values()):
            return None
        solution: dict[Var, int] = {}
        for component in _components(self.vars, neighbours):
            found = self._search(component, domains, neighbours, optimise)
            if found is None:
                return None
            solution |= found
        return solution

    def _search(self, variables, domains, neighbours, optimise) -> dict[Var, int] | None:
        """Branch and bound with forward checking over one connected group of doses; values are
        tried cheapest first, so the first complete assignment found is a good incumbent."""
        order = {v: n for n, v in enumerate(variables)}
        best: list = [None, float("inf")]
        assigned: dict[Var, int] = {}

        def search(domains: dict[Var, list[int]], spent: int) -> bool:
            free = [v for v in variables if v not in assigned]
            if not free:
                if spent < best[1]:
                    best[:] = [dict(assigned), spent]
                return not optimise
            var = min(free, key=lambda v: (len(domains[v]), order[v]))
            rest = sum(self.cost(v, domains[v][0]) for v in free if v != var)
            for t in domains[var]:
                if optimise and spent + self.cost(var, t) + rest >= best[1]:
                    break  # values come cheapest first: no later one can do better
                narrowed = dict(domains)
                for other, ok in neighbours[var]:
                    if other in assigned:
                        if not ok(t, assigned[other]):
                            break
                        continue
                    narrowed[other] = [x for x in narrowed[other] if ok(t, x)]
                    if not narrowed[other]:
                        break
                else:
                    assigned[var] = t
                    done = search(narrowed, spent + self.cost(var, t))
                    del assigned[var]
                    if done:
                        return True
            return False

        search(domains, 0)
        return best[0]

    def minimal_conflict(self) -> list[int]:
        """Deletion filter: drop each rule whose removal leaves the rest still unsolvable; what
        remains is a minimal conflicting set (removing any one of them makes a plan possible)."""
        keep = list(range(len(self.rules)))
        for index in list(keep):
            trial = [i for i in keep if i != index]
            if self.solve(trial, optimise=False) is None:
                keep = trial
        return keep


def _fold_fixed(domains: dict[Var, list[int]], neighbours: dict[Var, list]) -> None:
    """A dose with one possible time (e.g. a bisphosphonate on waking) turns its links into plain
    limits on its neighbours, so the rest of the day splits into independent groups."""
    pending = [v for v, d in domains.items() if len(d) == 1]
    while pending:
        v = pending.pop()
        if not domains[v]:
            return
        t = domains[v][0]
        for other, ok in neighbours[v]:
            kept = [x for x in domains[other] if ok(t, x)]
            if len(kept) == 1 and len(domains[other]) > 1:
                pending.append(other)
            domains[other] = kept
            neighbours[other] = [(w, f) for w, f in neighbours[other] if w != v]
        neighbours[v] = []


def _components(variables: list[Var], neighbours: dict[Var, list]) -> list[list[Var]]:
    """Doses linked by no constraint are planned apart: the objective is a sum, so the best plan
    of each group together is the best plan overall, and the search stays small."""
    seen: set[Var] = set()
    groups = []
    for start in variables:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            v = stack.pop()
            group.append(v)
            for other, _ in neighbours[v]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group, key=variables.index))
    return groups
