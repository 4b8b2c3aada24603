"""reviewflow: the leadership-review work (领导点评) of the 创先争优 campaign."""
