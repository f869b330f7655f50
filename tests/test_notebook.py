"""notebooks/explore.ipynb runs top to bottom on the sample photos and shows the map inline."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


@pytest.mark.notebook
@pytest.mark.slow
def test_explore_notebook_executes_and_renders_the_map():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    last = nb.cells[-1]
    html = "".join(o.get("data", {}).get("text/html", "") for o in last.outputs)
    assert "leaflet" in html.lower(), "the last cell should display the folium map"
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "total" in printed and "min" in printed  # the itinerary summary was printed
