"""Routing a job's results by type: nearest base class, unknown kinds left alone, no reference cycle."""

from __future__ import annotations

import gc
import weakref

from cabinlens.app.dispatch import Dispatch


class Base:
    pass


class Child(Base):
    pass


class Owner:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.route = Dispatch({Base: self.base, int: lambda n: self.seen.append(f"int {n}")})

    def base(self, item) -> None:
        self.seen.append(type(item).__name__)


def test_routes_by_type_and_base_class():
    owner = Owner()
    assert owner.route(Child()) and owner.route(Base()) and owner.route(3)
    assert not owner.route("text")
    assert owner.seen == ["Child", "Base", "int 3"]


class Window:
    """Keeps its own table of its own methods, as the main window and the player do."""

    def __init__(self) -> None:
        self.route = Dispatch({Base: self.base})

    def base(self, item) -> None:
        pass


def test_a_table_of_bound_methods_keeps_its_owner_out_of_a_cycle():
    gc.disable()
    try:
        window = Window()
        ref = weakref.ref(window)
        route = window.route
        del window
        assert ref() is None  # freed by reference counting alone, not left to the cyclic collector
        assert not route(Base())  # a handler whose owner is gone takes nothing
    finally:
        gc.enable()
