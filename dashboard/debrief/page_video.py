"""The page's video parts (`--video`): the bedside player at the top (the room camera
beside it, in step), the WebVTT chapters, the seek links the tables carry, the script that
makes them seek and lights the current row, and the stills beside the plots.

The page stays one file: the chapters are a data: URI (a <track> from a file beside the
page would not load from file:// in Chrome), the script and styles are inline; the films
are the MP4 files beside it. In print the players are hidden and the stills show what the
screen showed. Pure text (no Qt): page.py calls these.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from replay_data.casetime import case_clock

from .rows import DebriefReport, wall_text
from .video_time import VideoSection, chapters, webvtt

VIDEO_CSS = """
.video{display:flex;gap:8px;align-items:flex-start;margin:6px 0}
.video figure{margin:0;flex:1 1 0} .video video{width:100%;background:#000}
.video figcaption{font-size:8pt;color:#455a64}
video.outside{opacity:.35}
a.seek{color:#0d47a1;text-decoration:none;border-bottom:1px dotted #0d47a1}
tr.now td{background:#fff59d}
table.still td{border:none;vertical-align:middle}
@media print{.video,.screen-only{display:none}}
"""

# Seeks the bedside film (and the room video by its offset) on a link's data-t; keeps the
# room video in step (within 0.3 s) while the film plays; lights the latest row of each
# table whose moment has come.
SCRIPT = """
(function(){
var bed=document.getElementById('bedside'),room=document.getElementById('room');
if(!bed)return;
var off=room?parseFloat(room.getAttribute('data-offset')):0;
function roomTo(t){if(!room)return;var r=t-off,d=room.duration||0;
 if(r<0||(d&&r>d)){if(!room.paused)room.pause();room.classList.add('outside');
  room.currentTime=Math.max(0,Math.min(r,d));return;}
 room.classList.remove('outside');
 if(Math.abs(room.currentTime-r)>0.3)room.currentTime=r;
 if(!bed.paused&&room.paused)room.play();}
function seek(t){bed.currentTime=t;roomTo(t);}
window.debriefSeek=seek;
document.addEventListener('click',function(e){var a=e.target.closest&&e.target.closest('a.seek');
 if(!a)return;e.preventDefault();seek(parseFloat(a.getAttribute('data-t')));
 bed.scrollIntoView({block:'nearest'});});
bed.addEventListener('play',function(){roomTo(bed.currentTime);});
bed.addEventListener('pause',function(){if(room)room.pause();});
bed.addEventListener('seeked',function(){roomTo(bed.currentTime);});
bed.addEventListener('ratechange',function(){if(room)room.playbackRate=bed.playbackRate;});
var groups=[];
[].forEach.call(document.querySelectorAll('table'),function(tb){
 var l=[].slice.call(tb.querySelectorAll('a.seek'));if(l.length)groups.push(l);});
var lit=[];
function light(){var now=bed.currentTime+0.05;
 lit.forEach(function(x){x.classList.remove('now');});lit=[];
 groups.forEach(function(links){var best=null,bt=-1;
  links.forEach(function(a){var t=parseFloat(a.getAttribute('data-t'));
   if(t<=now&&t>=bt){best=a;bt=t;}});
  if(best){var tr=best.closest('tr')||best;tr.classList.add('now');lit.push(tr);}});}
bed.addEventListener('timeupdate',function(){light();if(!bed.paused)roomTo(bed.currentTime);});
bed.addEventListener('seeked',light);
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def seek(video: VideoSection | None, t: float | None, label_html: str) -> str:
    """`label_html` as a link to video second t (the film opened at t without a script,
    the players seeked with one); as it is without a film or a moment."""
    if video is None or t is None:
        return label_html
    return (f'<a class="seek" href="{video.href}#t={t:.2f}" data-t="{t:.2f}">'
            f"{label_html}</a>")


def chapters_uri(report: DebriefReport, video: VideoSection) -> str:
    vtt = webvtt(chapters(report, video.timeline), video.duration)
    return "data:text/vtt;charset=utf-8;base64," + base64.b64encode(
        vtt.encode("utf-8")).decode("ascii")


def players(report: DebriefReport, video: VideoSection) -> list[str]:
    """The section at the top of the page: the bedside film, the room camera beside it."""
    w, h = video.size
    room = video.room
    out = ['<div class="section screen-only"><h2>Video</h2>', '<div class="video">',
           '<figure><video id="bedside" controls preload="metadata" '
           f'width="{w}" height="{h}" src="{video.href}">'
           f'<track kind="chapters" srclang="en" label="Events" default '
           f'src="{chapters_uri(report, video)}"></video>'
           f"<figcaption>The bedside monitor as the trainees saw it, rendered from the "
           f"session file ({w}x{h}, {video.fps} fps), in wall-clock time from "
           f"{_e(wall_text(video.timeline.start_wall))}; a pause is the frame held, "
           "marked PAUSED.</figcaption></figure>"]
    if room is not None:
        out.append(f'<figure><video id="room" controls muted preload="metadata" '
                   f'data-offset="{room.offset:.3f}" src="{room.href}"></video>'
                   f"<figcaption>The room camera ({_e(room.path.name)}), started "
                   f"{_e(wall_text(room.start_wall))}: kept in step with the bedside "
                   "film by the wall clock.</figcaption></figure>")
    out.append("</div>")
    if video.clips:
        out.append("<p>Clips: " + " \u00b7 ".join(
            f'<a href="{video.clip_hrefs[c.number]}">{_e(c.title)}</a> '
            f"({seek(video, c.start, 'in the film')})" for c in video.clips) + "</p>")
    out.append("<p class=\"caption\">Click a time in the tables below to see that moment; "
               "the row of the moment playing is lit.</p></div>")
    return out


def still_blocks(video: VideoSection, panel: int, embed: bool) -> str:
    """Beside a panel's plot: what the bedside showed at each of its episodes' first
    event, with the episode's clip."""
    from datetime import timedelta

    out = []
    for clip in video.clips:
        png = video.stills.get(clip.number)
        if clip.panel != panel or not png:
            continue
        n = clip.number
        if embed:
            src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        else:
            src = f"still-{n}.png"
        at = wall_text(video.timeline.start_wall + timedelta(seconds=clip.still_at))
        text = (f"<b>{_e(clip.title)}</b>: the bedside at {_e(at)} "
                f"({_e(case_clock(clip.event_t, seconds=True))}).")
        if embed:
            text += (f' Clip: <a href="{video.clip_hrefs[n]}">{_e(video.clip_hrefs[n])}</a>'
                     " \u00b7 " + seek(video, clip.start, "play it in the film above"))
        width = "100%" if embed else "230"
        out.append(f'<table class="still" width="98%" cellspacing="0"><tr><td width="45%">'
                   f'<img class="still" src="{src}" width="{width}" alt="bedside at {_e(at)}">'
                   f"</td><td>{text}</td></tr></table>")
    return "".join(out)


def panel_numbers(names: Sequence[str]) -> dict[str, int]:
    """Figure name -> panel number ("panel-2.png" -> 2)."""
    out = {}
    for n in names:
        if n.startswith("panel-") and n.endswith(".png"):
            out[n] = int(n[6:-4])
    return out
