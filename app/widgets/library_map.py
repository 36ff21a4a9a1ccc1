"""The library map: a scatter of the 2-D PCA of the embeddings, coloured by genre or cluster.

Points are drawn in one batch per colour (fine with 100k tracks). A click selects the nearest
point and emits ``point_clicked(index)``; hovering a point shows "artist – title" as a tooltip;
the legend lists the labels with their colours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QToolTip, QWidget

if TYPE_CHECKING:  # pragma: no cover - the service module loads SQLAlchemy
    import numpy as np

    from engine.library.playlists.map import MapPoints

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
MARGIN = 16.0


class LibraryMap(QWidget):
    """Scatter plot of :class:`engine.library.playlists.map.MapPoints`."""

    point_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 120)
        self.setMouseTracking(True)  # hover labels
        self.hovered: int | None = None
        self.points: MapPoints | None = None
        self.selected: int | None = None
        self._labels: list[str] = []
        self._codes: np.ndarray | None = None  # numpy loads with the first points, not the window

    def set_points(self, points: MapPoints) -> None:
        """Show new points (and forget the selection)."""
        import numpy as np

        self.points = points
        self.selected = None
        self._labels = sorted(set(points.labels))
        lookup = {label: i for i, label in enumerate(self._labels)}
        self._codes = np.asarray([lookup[label] for label in points.labels], dtype=np.int64)
        self.update()

    def colour_of(self, label: str) -> QColor:
        """The colour used for ``label``."""
        index = self._labels.index(label) if label in self._labels else 0
        return QColor(PALETTE[index % len(PALETTE)])

    def _screen(self) -> np.ndarray:
        """Point positions in widget coordinates."""
        import numpy as np

        xy = self.points.xy if self.points is not None else np.zeros((0, 2))
        if len(xy) == 0:
            return np.zeros((0, 2))
        low, high = xy.min(axis=0), xy.max(axis=0)
        span = np.where(high - low > 1e-9, high - low, 1.0)
        unit = (xy - low) / span
        width, height = self.width() - 2 * MARGIN, self.height() - 2 * MARGIN - 18
        return np.column_stack([MARGIN + unit[:, 0] * width,
                                MARGIN + 18 + (1.0 - unit[:, 1]) * height])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """Draw the points, the selection and the legend."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self.points is None or len(self.points.ids) == 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No analysed tracks yet: Add folder… to fill the map.")
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, len(self.points.ids) < 5000)
        screen = self._screen()
        size = 6.0 if len(screen) < 2000 else 3.0
        for code, label in enumerate(self._labels):
            pen = QPen(self.colour_of(label), size)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            chosen = screen[self._codes == code]
            painter.drawPoints(QPolygonF([QPointF(x, y) for x, y in chosen]))
        if self.selected is not None:
            x, y = screen[self.selected]
            painter.setPen(QPen(self.palette().text().color(), 2))
            painter.drawEllipse(QPointF(x, y), 7, 7)
        x = MARGIN
        for label in self._labels[:10]:
            painter.setPen(QPen(self.colour_of(label), 8))
            painter.drawPoint(QPointF(x, 10))
            painter.setPen(self.palette().text().color())
            rect = QRectF(x + 8, 2, 120, 16)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
            x += 16 + painter.fontMetrics().horizontalAdvance(label)

    def nearest(self, x: float, y: float, radius: float = 12.0) -> int | None:
        """Index of the point nearest to widget position (x, y), within ``radius`` pixels."""
        import numpy as np

        screen = self._screen()
        if len(screen) == 0:
            return None
        d = np.hypot(screen[:, 0] - x, screen[:, 1] - y)
        best = int(np.argmin(d))
        return best if d[best] <= radius else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Show the hovered point's "artist – title"."""
        position = event.position()
        index = self.nearest(position.x(), position.y())
        if index != self.hovered:
            self.hovered = index
            if index is None or self.points is None:
                QToolTip.hideText()
                self.setToolTip("")
            else:
                label = self.points.label(index)
                self.setToolTip(label)
                QToolTip.showText(event.globalPosition().toPoint(), label, self)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Select and announce the clicked point."""
        position = event.position()
        index = self.nearest(position.x(), position.y())
        if index is not None:
            self.selected = index
            self.update()
            self.point_clicked.emit(index)
