"""The debrief's films (`icu-dashboard debrief SESSION.jsonl --video`): the bedside
monitor rendered offscreen from the recording, clips and stills, the room camera aligned.
Above the UI layer: it builds a real MonitorWindow on a replaying controller.

encode          FrameEncoder: BGRA frames -> H.264 MP4 (PyAV, libx264; x264's own
                threads encode on the second core while the window paints)
render          the offscreen bedside, moved on frame by frame, painted, encoded
clips           clips cut from the film at key frames, no encoding again
room            the room video read: its length and creation time
progress        the terminal's progress bar
debrief_video   render_debrief_video: the debrief's VideoRenderer hook
"""
