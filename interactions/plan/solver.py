"""An exact search over dose times: no clinical knowledge, only variables, a grid and predicates.

A variable is one dose (item index, dose index); a Rule holds unary checks on one dose's time and
binary checks on two doses' times. The objective is the sum over doses of the distance from the
dose's time to the nearest of its target times; ties go to the plan with the earlier times. The
search is branch and bound with arc consistency over independent groups of doses, so when a plan
exists on the grid the best one is found; when none does, a deletion filter names a minimal set
of rules that cannot hold together. Every search runs under a Budget and says how it ended
(Result.status).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Var = tuple[int, int]  # (item index, dose index)
Pred = Callable[[int, int], bool]
TIE_SCALE = 10**7  # above any sum of dose times (minutes), so ties never outweigh a minute
Link = tuple[Var, Pred, bool]  # (other dose, check, flipped): check(mine, other), or (other, mine)


def _allows(ok: Pred, flipped: bool, mine: int, other: int) -> bool:
    return ok(other, mine) if flipped else ok(mine, other)


@dataclass
class Rule:
    """One requirement compiled to checks on dose times; `public` is whatever the caller wants
    back (the planner keeps its PlanConstraint there)."""

    public: Any
    unary: list[tuple[Var, Callable[[int], bool]]] = field(default_factory=list)
    binary: list[tuple[Var, Var, Pred]] = field(default_factory=list)


class OutOfBudget(Exception):
    """The search bound was reached."""


class Budget:
    """A bound on all the searching one plan request does: units of work (a dose time tried, or
    tested against a linked dose; deterministic, so the answer is the same on every machine)
    and wall-clock seconds (a backstop on a slow or busy machine). Shared by every solve."""

    def __init__(self, work_limit: int, time_limit: float):
        self.work_limit, self.time_limit = work_limit, time_limit
        self.work = 0
        self._next_clock = 4096
        self.deadline = time.perf_counter() + time_limit
        self.exhausted = False

    def tick(self, units: int = 1) -> None:
        self.work += units
        if self.exhausted or self.work > self.work_limit:
            self.exhausted = True
            raise OutOfBudget
        if self.work >= self._next_clock:
            self._next_clock = self.work + 4096
            if time.perf_counter() > self.deadline:
                self.exhausted = True
                raise OutOfBudget


@dataclass
class Result:
    """status: optimal | best-found (bound reached after a plan was found) | infeasible (proven)
    | bound-reached (no plan found, none proven impossible). `stuck`: the variables of the group
    the search was working on when the bound was reached; `core`: rules already shown to
    conflict (a start for the deletion filter)."""

    solution: dict[Var, int] | None
    status: str
    stuck: list[Var] = field(default_factory=list)
    core: list[int] = field(default_factory=list)  # rules shown to conflict, when known


class Problem:
    def __init__(self, variables: list[Var], grid: list[int], rules: list[Rule],
                 targets: dict[Var, tuple[int, ...]], fixed: dict[Var, int] | None = None):
        """`fixed`: doses whose time is already decided (taken), on the grid or not. Their own
        limits are not checked and links between two of them are left out: nothing is left
        to decide there; links to the doses still to place hold as usual."""
        self.vars, self.rules, self.targets = variables, rules, targets
        self.fixed = fixed or {}
        self.free_grid = list(grid)
        self.grid = sorted(set(grid) | set(self.fixed.values()))
        # (check, flipped, time) -> the grid times the check allows for the other dose, as bits;
        # kept across the solves of one problem (the deletion filter asks many)
        self.masks: dict[tuple[Pred, bool, int], int] = {}

    def cost(self, v: Var, t: int) -> int:
        """Minutes from the nearest target, then (far smaller) the time itself: of two plans
        equally near their targets, the one whose doses are earlier in total wins, whatever
        order the search meets them in."""
        return min(abs(t - target) for target in self.targets[v]) * TIE_SCALE + t

    def solve(self, active: Iterable[int] | None = None, optimise: bool = True,
              budget: Budget | None = None) -> Result:
        """Best (or, with optimise=False, any) assignment satisfying the active rules."""
        budget = budget or Budget(10**12, float("inf"))
        active = list(range(len(self.rules)) if active is None else active)
        domains, neighbours = self._setup([self.rules[i] for i in active])
        if not all(domains.values()):
            return Result(None, "infeasible")
        search = _Search(self, neighbours, budget)
        try:
            pair = self._infeasible_pair(search, domains, neighbours)
            if pair is not None:
                fixed = {v for v, d in domains.items() if len(d) == 1}
                return Result(None, "infeasible",
                              core=[i for i in active if self._used(self.rules[i], pair, fixed)])
            if not search.propagate(domains, list(self.vars), set(self.vars)):
                return Result(None, "infeasible")
        except OutOfBudget:
            return Result(None, "bound-reached", list(self.vars))
        return self._groups(search, domains, neighbours, optimise)

    def _setup(self, chosen: list[Rule]) -> tuple[dict[Var, list[int]], dict[Var, list[Link]]]:
        """Each dose's possible times (cheapest first) and its links, doses with one possible
        time folded in."""
        fixed = self.fixed
        domains = {v: [fixed[v]] if v in fixed else list(self.free_grid) for v in self.vars}
        for rule in chosen:
            for v, ok in rule.unary:
                if v not in fixed:
                    domains[v] = [t for t in domains[v] if ok(t)]
        neighbours: dict[Var, list[Link]] = {v: [] for v in self.vars}
        for rule in chosen:
            for a, b, ok in rule.binary:
                if a not in fixed or b not in fixed:
                    neighbours[a].append((b, ok, False))
                    neighbours[b].append((a, ok, True))
        for v in self.vars:
            domains[v].sort(key=lambda t, v=v: (self.cost(v, t), t))
        _fold_fixed(domains, neighbours)
        return domains, neighbours

    def _groups(self, search: _Search, domains, neighbours, optimise: bool) -> Result:
        """Each unlinked group on its own: a first plan, then (optimise) the best one."""
        solution: dict[Var, int] = {}
        status = "optimal"
        for component in _components(self.vars, neighbours):
            try:
                first = search.best(component, domains, float("inf"), first=True)
            except OutOfBudget:
                return Result(None, "bound-reached", component)
            if first is None:
                return Result(None, "infeasible")
            if optimise and len(component) > 1:
                try:
                    first = search.best(component, domains, first[0]) or first
                except OutOfBudget:
                    status = "best-found"
            solution |= first[1]
        return Result(solution, status)

    @staticmethod
    def _used(rule: Rule, pair: set[int], fixed: set[Var]) -> bool:
        """Whether the pair's search could have used the rule: a limit on one of its doses, a
        link between two of them, or a link to a dose with one possible time (folded in)."""
        def mine(v: Var) -> bool:
            return v[0] in pair
        return any(mine(v) for v, _ in rule.unary) or any(
            (mine(a) or a in fixed) and (mine(b) or b in fixed) and (mine(a) or mine(b))
            for a, b, _ in rule.binary)

    def _infeasible_pair(self, search: _Search, domains, neighbours) -> set[int] | None:
        """Two items whose doses cannot be placed even with every other item left out prove
        the whole day impossible, and cheaply: thirty items tied to one magnesium item are
        thirty searches of a few doses, not one of ninety."""
        by_item: dict[int, list[Var]] = {}
        for v in self.vars:
            by_item.setdefault(v[0], []).append(v)
        pairs = sorted({tuple(sorted((a[0], b[0]))) for a in self.vars
                        for b, *_ in neighbours[a] if a[0] != b[0]})
        for i, j in pairs:
            if search.best(by_item[i] + by_item[j], domains, float("inf"), first=True) is None:
                return {i, j}
        return None

    def minimal_conflict(self, budget: Budget | None = None,
                         start: list[int] | None = None) -> tuple[list[int], bool]:
        """Deletion filter: drop each rule whose removal leaves the rest still unsolvable; what
        remains is a minimal conflicting set (removing any one of them makes a plan possible).
        `start`, a set of rules already shown to conflict (Result.core), makes it quicker.
        Returns the set and whether minimality was proven (False when the bound cut it short:
        the set still cannot hold together, but may hold more than it needs)."""
        keep = list(range(len(self.rules)))
        if start and self.solve(start, optimise=False, budget=budget).status == "infeasible":
            keep = list(start)
        proven = True
        for index in list(keep):
            trial = [i for i in keep if i != index]
            status = self.solve(trial, optimise=False, budget=budget).status
            if status == "infeasible":
                keep = trial
            elif status == "bound-reached":
                proven = False
        return keep, proven


class _Search:
    """Branch and bound keeping arc consistency, splitting the doses still to place into groups
    no constraint links (the objective is a sum, so each group's best is found on its own):
    once a magnesium dose is placed, thirty items tied only to it are thirty small searches."""

    def __init__(self, problem: Problem, neighbours: dict[Var, list[Link]], budget: Budget):
        self.cost, self.neighbours, self.budget = problem.cost, neighbours, budget
        self.order = {v: n for n, v in enumerate(problem.vars)}
        self.grid, self.masks = problem.grid, problem.masks
        self.bit = {t: 1 << n for n, t in enumerate(problem.grid)}
        # links[x][w]: the checks between w and x, to revise w's times against x's
        self.links: dict[Var, dict[Var, list[tuple[Pred, bool]]]] = {v: {} for v in problem.vars}
        for w, entries in neighbours.items():
            for x, ok, flipped in entries:
                self.links[x].setdefault(w, []).append((ok, flipped))

    def _mask(self, ok: Pred, flipped: bool, a: int) -> int:
        key = (ok, flipped, a)
        found = self.masks.get(key)
        if found is None:
            self.budget.tick(len(self.grid))
            found = 0
            for b in self.grid:
                if _allows(ok, flipped, a, b):
                    found |= self.bit[b]
            self.masks[key] = found
        return found

    def _supported(self, checks: list[tuple[Pred, bool]], a: int, mask: int) -> bool:
        for ok, flipped in checks:
            mask &= self._mask(ok, flipped, a)
            if not mask:
                return False
        return True

    def propagate(self, domains: dict[Var, list[int]], changed: list[Var],
                  members: set[Var]) -> bool:
        """Arc consistency inside the group: drop every time of a dose that leaves a linked dose
        no possible time, until nothing changes. False when some dose is left with none. The
        lists in `domains` are replaced, never changed in place (callers share them)."""
        queue, queued = deque(changed), set(changed)
        while queue:
            x = queue.popleft()
            queued.discard(x)
            mask = 0
            for b in domains[x]:
                mask |= self.bit[b]
            for w, checks in self.links[x].items():
                if w not in members:
                    continue
                self.budget.tick(len(domains[w]))
                kept = [a for a in domains[w] if self._supported(checks, a, mask)]
                if len(kept) < len(domains[w]):
                    if not kept:
                        return False
                    domains[w] = kept
                    if w not in queued:
                        queue.append(w)
                        queued.add(w)
        return True

    def best(self, group: list[Var], domains: dict[Var, list[int]], bound: float,
             first: bool = False) -> tuple[int, dict[Var, int]] | None:
        """The cheapest assignment of the group costing less than `bound` (with first=True, the
        first one found), or None. Domains come sorted cheapest first and are never changed."""
        cost = self.cost
        if len(group) == 1:
            v = group[0]
            self.budget.tick()
            c = cost(v, domains[v][0])
            return (c, {v: domains[v][0]}) if c < bound else None
        members = set(group)
        # the dose linked to most others first (a magnesium dose): once it is placed the rest
        # falls apart into small groups; then the one with fewest times left
        var = min(group, key=lambda v: (-sum(1 for w in self.links[v] if w in members),
                                        len(domains[v]), self.order[v]))
        free = [v for v in group if v != var]
        floor = sum(cost(v, domains[v][0]) for v in free)
        found = None
        for t in domains[var]:
            spent = cost(var, t)
            if spent + floor >= bound:
                break  # values come cheapest first: no later one can do better
            self.budget.tick()
            narrowed = dict(domains)
            narrowed[var] = [t]
            if self.propagate(narrowed, [var], members):
                total, assignment = self._groups(free, narrowed, bound - spent, first)
                if assignment is not None and spent + total < bound:
                    found = (spent + total, {var: t} | assignment)
                    bound = found[0]
                    if first:
                        return found
        return found

    def _groups(self, free, domains, bound, first) -> tuple[int, dict[Var, int] | None]:
        groups = _components(free, self.neighbours, within=set(free))
        floors = [sum(self.cost(v, domains[v][0]) for v in g) for g in groups]
        rest, total, assignment = sum(floors), 0, {}
        for group, floor in zip(groups, floors):
            rest -= floor
            sub = self.best(group, domains, bound - total - rest, first)
            if sub is None:
                return 0, None
            total += sub[0]
            assignment |= sub[1]
        return total, assignment


def _fold_fixed(domains: dict[Var, list[int]], neighbours: dict[Var, list]) -> None:
    """A dose with one possible time (e.g. a bisphosphonate on waking) turns its links into plain
    limits on its neighbours, so the rest of the day splits into independent groups."""
    pending = [v for v, d in domains.items() if len(d) == 1]
    while pending:
        v = pending.pop()
        if not domains[v]:
            return
        t = domains[v][0]
        for other, ok, flipped in neighbours[v]:
            kept = [x for x in domains[other] if _allows(ok, flipped, t, x)]
            if len(kept) == 1 and len(domains[other]) > 1:
                pending.append(other)
            domains[other] = kept
            neighbours[other] = [link for link in neighbours[other] if link[0] != v]
        neighbours[v] = []


def _components(variables: list[Var], neighbours: dict[Var, list],
                within: set[Var] | None = None) -> list[list[Var]]:
    """Doses linked by no constraint are planned apart: the objective is a sum, so the best plan
    of each group together is the best plan overall, and the search stays small."""
    seen: set[Var] = set()
    groups = []
    position = {v: n for n, v in enumerate(variables)}
    for start in variables:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            v = stack.pop()
            group.append(v)
            for other, *_ in neighbours[v]:
                if other not in seen and (within is None or other in within):
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group, key=position.__getitem__))
    return groups
