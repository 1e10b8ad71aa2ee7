"""`negsim app`: the classroom explorer, an offline Solara app built on Mesa's visualisation.

Pure logic (`levers`, `live`, `sweeps`, `about`, `tables`, `story`, `space`, `figures`) is kept
apart from the Solara components (`state`, `panels`, `page`) and the server (`server`).
"""
