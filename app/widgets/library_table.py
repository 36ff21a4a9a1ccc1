"""The library table model: track rows with their own fast sort and filter (fluid at 100k rows).

A ``QSortFilterProxyModel`` calls back into Python for every comparison, which takes seconds at
100k rows; this model instead keeps a list of visible row numbers, sorts it with one Python
``sort`` on precomputed keys and filters it against a precomputed lower-case haystack, then resets
the view once. ``QTableView.setSortingEnabled(True)`` drives :meth:`TrackTableModel.sort`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from engine.library.storage.fspath import display

if TYPE_CHECKING:  # pragma: no cover - the service module loads SQLAlchemy
    from engine.library.service import TrackRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("Title", "title"),
    ("Artist", "artist"),
    ("Album", "album"),
    ("Genre", "genre"),
    ("Length", "duration"),
    ("BPM", "tempo"),
    ("Kind", "kind"),
    ("Tags", "tags"),
    ("Status", "status"),
    ("Path", "path"),
)
SORT_ROLE = Qt.ItemDataRole.UserRole
Index = QModelIndex | QPersistentModelIndex


def _length(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}"


NON_MUSIC = "non-music"
KIND_TIPS = {
    "speech": "Speech: left out of playlists unless asked for",
    "other": "Sound effect or field recording: left out of playlists unless asked for",
    NON_MUSIC: "Speech or a field recording: left out of playlists unless asked for",
}


def _value(row: TrackRow, attribute: str) -> Any:
    if attribute == "kind":  # blank until analysed; an older analysis says only music or not
        if row.status != "analysed":
            return ""
        return row.kind or ("music" if row.is_music else NON_MUSIC)
    if attribute == "tags":
        return row.tag_text
    return getattr(row, attribute)


def _tooltip(row: TrackRow, attribute: str, value: Any) -> str:
    if attribute == "kind" and value in KIND_TIPS:
        return KIND_TIPS[value]
    if attribute == "tags" and row.tags:
        return "The music tagger heard: " + ", ".join(f"{t} {p:.2f}" for t, p in row.tags.items())
    tip = row.skip_reason or display(row.path)
    if row.copies:
        tip += "\nThe same audio is also at: " + "; ".join(display(c) for c in row.copies)
    if row.demo:
        tip += "\nA bundled demo clip (Remove demo tracks takes them all out)"
    return tip


class TrackTableModel(QAbstractTableModel):
    """Rows of :class:`engine.library.service.TrackRow`, sorted and filtered in place."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[TrackRow] = []
        self.visible: list[int] = []
        self._haystack: list[str] = []
        self._filter = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: list[TrackRow]) -> None:
        """Replace every row, keeping the current sort and filter (one reset)."""
        self.beginResetModel()
        self.rows = list(rows)
        self._haystack = [
            f"{r.title}\t{r.artist}\t{r.album}\t{r.genre}\t{r.tag_text}\t{_value(r, 'kind')}\t"
            f"{r.status}\t{display(r.path)}".lower()
            for r in self.rows
        ]
        self._apply()
        self.endResetModel()

    def _apply(self) -> None:
        needle = self._filter
        order = [i for i, text in enumerate(self._haystack) if needle in text] if needle else \
            list(range(len(self.rows)))
        if self._sort is not None:
            column, direction = self._sort
            attribute = COLUMNS[column][1]
            values = [_value(row, attribute) for row in self.rows]
            if isinstance(values[0] if values else "", str):
                values = [v.lower() for v in values]
            order.sort(key=values.__getitem__,
                       reverse=direction == Qt.SortOrder.DescendingOrder)
        self.visible = order

    def set_filter(self, text: str) -> None:
        """Show only rows whose fields contain ``text`` (case-insensitive)."""
        self.beginResetModel()
        self._filter = text.strip().lower()
        self._apply()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (numbers as numbers, text case-insensitively)."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply()
        self.layoutChanged.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of visible tracks."""
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def track(self, row: int) -> TrackRow:
        """The track shown at view ``row``."""
        return self.rows[self.visible[row]]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text for display, raw values for sorting, the skip reason as tooltip."""
        if not index.isValid() or index.row() >= len(self.visible):
            return None
        row = self.track(index.row())
        attribute = COLUMNS[index.column()][1]
        value = _value(row, attribute)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            if attribute == "duration":
                return _length(value) if value else ""
            if attribute == "tempo":
                return f"{value:.0f}" if value else ""
            if attribute == "path":
                return display(value)
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, attribute, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and attribute in ("duration", "tempo"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None


def track_view(model: TrackTableModel) -> QTableView:
    """A sortable, row-selecting, compact table view over ``model``."""
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view
