"""An option list whose highlighted row is drawn in the cursor's colours only.

A row's own dim text or colours (a status in green, a time in grey) sit on the cursor's background when the row is
highlighted, where they read at 2-3:1 in some themes and at every colour depth. So the highlighted row shows its
plain text, which the themes make legible on the cursor, and gets its own styles back when the cursor leaves.
"""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class CursorList(OptionList):
    # the highlighted option and its own prompt (set as the list is built)
    _styled: tuple[Option, VisualType] | None = None

    def plain_prompt(self, index: int, prompt: VisualType) -> VisualType | None:
        """The prompt of the option at `index` without its own styles, or None when it has none."""
        if isinstance(prompt, Text) and (prompt.spans or prompt.style):
            return Text(prompt.plain)
        return None

    def watch_highlighted(self, highlighted: int | None) -> None:
        self._restore()
        if highlighted is not None and 0 <= highlighted < self.option_count:
            option = self.get_option_at_index(highlighted)
            plain = self.plain_prompt(highlighted, option.prompt)
            if plain is not None:
                self._styled = (option, option.prompt)
                self.replace_option_prompt_at_index(highlighted, plain)
        super().watch_highlighted(highlighted)

    def _restore(self) -> None:
        if self._styled is None:
            return
        option, prompt = self._styled
        self._styled = None
        for index, present in enumerate(self.options):
            if present is option:  # still listed (a reload replaces the options)
                self.replace_option_prompt_at_index(index, prompt)
                return
