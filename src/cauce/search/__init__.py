"""Search people and cases by name, handle, words or number, within the brands one may see."""
