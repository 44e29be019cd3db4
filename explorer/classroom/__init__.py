"""Classroom rooms: the sidebar panel, the rooms (in memory or in Redis) and the live channel
that carries the teacher's View to every student."""
