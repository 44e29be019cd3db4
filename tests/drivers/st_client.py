"""A light Streamlit session for load tests: speaks the app's websocket protocol the way
a browser tab does, without rendering anything.

It opens ``/_stcore/stream``, asks for a page (``BackMsg.rerun_script``), keeps the
messages of each run, answers the server's cached-message references from its own cache
(as the browser does), and fetches the media files (decoded images) that a run refers
to. A reader keeps every run the server sends, asked for or not (a classroom's followers
are rerun by the server when the teacher moves). A click on the latent canvas is sent the way its
iframe sends it: the component's
value (a JSON event, see explorer/frontend/README.md) in a rerun of the fragment that
holds it; a click on a Plotly chart as the chart's selection JSON.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
from dataclasses import dataclass, field

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import FileUploaderState, FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

__all__ = ["Run", "StreamlitSession", "WidgetState", "canvas_pin", "plotly_click", "plotly_values"]

ScriptFinished = ForwardMsg.ScriptFinishedStatus


@dataclass
class Run:
    """What one script (or fragment) run sent: its elements in arrival order."""

    elements: list = field(default_factory=list)  # [(delta path, fragment id, Element)]
    # [(interval s, fragment id)] asked for by st.fragment(run_every=...)
    auto_reruns: list = field(default_factory=list)
    # fragment ids whose timers the server stopped
    stopped_reruns: list = field(default_factory=list)
    status: int | None = None

    def of_type(self, kind: str) -> list:
        return [element for _, _, element in self.elements if element.WhichOneof("type") == kind]

    def markdown(self) -> list[str]:
        return [element.markdown.body for element in self.of_type("markdown")]

    def exceptions(self) -> list[str]:
        return [f"{e.exception.type}: {e.exception.message}" for e in self.of_type("exception")]

    def alerts(self) -> list[str]:
        return [element.alert.body for element in self.of_type("alert")]

    def widget_id(self, label: str) -> str:
        """The id of the widget shown with ``label``."""
        for _, _, element in self.elements:
            widget = getattr(element, element.WhichOneof("type"))
            if getattr(widget, "label", None) == label and getattr(widget, "id", ""):
                return widget.id
        raise KeyError(f"no widget labelled {label!r} in this run")

    def image_urls(self) -> list[str]:
        return [image.url for element in self.of_type("imgs") for image in element.imgs.imgs]

    def component(self, key: str):
        """(widget id, fragment id, arguments dict) of the custom component whose id carries
        ``key``."""
        for _, fragment_id, element in self.elements:
            if element.WhichOneof(
                "type"
            ) == "component_instance" and element.component_instance.id.endswith(key):
                return (
                    element.component_instance.id,
                    fragment_id,
                    json.loads(element.component_instance.json_args),
                )
        return None

    def chart(self, key: str):
        """(widget id, fragment id, Plotly spec dict) of the chart whose id carries ``key``."""
        for _, fragment_id, element in self.elements:
            if element.WhichOneof("type") == "plotly_chart" and element.plotly_chart.id.endswith(
                key
            ):
                return element.plotly_chart.id, fragment_id, json.loads(element.plotly_chart.spec)
        return None


class StreamlitSession:
    """One websocket session with a running app at ``base_url`` (http://host:port)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.page_script_hash = ""
        self.session_id = ""  # the server's name for this session (uploads are filed under it)
        self.cache: dict[str, ForwardMsg] = {}
        self.socket = None
        # finished runs in arrival order; an exception if the socket broke
        self._runs: asyncio.Queue | None = None
        self._reader: asyncio.Task | None = None

    async def connect(self) -> None:
        url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.socket = await websockets.connect(
            url, subprotocols=["streamlit"], origin=self.base_url, max_size=None, open_timeout=60
        )
        self._runs = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.socket is not None:
            await self.socket.close()

    async def run_page(self, page_name: str, timeout: float = 300) -> Run:
        """A full run of the page ``page_name`` (the URL path, e.g. "Latent_map")."""
        # no page hash: the name decides
        return await self._rerun(ClientState(page_name=page_name), timeout)

    async def set_widget(
        self, widget_id: str, string_value: str, fragment_id: str = "", timeout: float = 60
    ) -> Run:
        """Send one widget's new value (as the frontend does after an interaction) and
        return the rerun it causes -- of ``fragment_id`` only, if given."""
        return await self.set_widgets(
            [WidgetState(id=widget_id, string_value=string_value)], fragment_id, timeout
        )

    async def set_widgets(
        self, widgets: list[WidgetState], fragment_id: str = "", timeout: float = 60
    ) -> Run:
        await self.send_widgets(widgets, fragment_id)
        return await self.next_run(timeout)

    async def send_widgets(self, widgets: list[WidgetState], fragment_id: str = "") -> None:
        """Send widgets' new values without waiting for the run (see :meth:`next_run`)."""
        widget_states = WidgetStates(widgets=widgets)
        await self._send(
            ClientState(
                page_script_hash=self.page_script_hash,
                fragment_id=fragment_id,
                widget_states=widget_states,
            )
        )

    async def auto_rerun(self, fragment_id: str, timeout: float = 60) -> Run:
        """The rerun the frontend sends on a ``run_every`` fragment's timer."""
        await self.send_auto_rerun(fragment_id)
        return await self.next_run(timeout)

    async def send_auto_rerun(self, fragment_id: str) -> None:
        """Send a ``run_every`` timer's rerun without waiting for it (see :meth:`next_run`)."""
        await self._send(
            ClientState(
                page_script_hash=self.page_script_hash, fragment_id=fragment_id, is_auto_rerun=True
            )
        )

    async def next_run(self, timeout: float | None = None) -> Run:
        """The next run the server finishes, whoever asked for it; TimeoutError after ``timeout``
        s."""
        run = await asyncio.wait_for(self._runs.get(), timeout)
        if isinstance(run, Exception):
            self._runs.put_nowait(run)  # every later wait fails the same way
            raise run
        return run

    async def fetch(self, path: str) -> bytes:
        """GET a media file the way the browser's <img> does."""
        url = path if path.startswith("http") else self.base_url + path
        return await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=60).read())

    async def upload(
        self, widget_id: str, name: str, content: bytes, mime: str = "application/octet-stream"
    ) -> WidgetState:
        """Upload a file the way the browser's file uploader does (PUT to the session's upload
        route, with the XSRF cookie and header); the widget state that then names it."""
        return await asyncio.to_thread(self._upload, widget_id, name, content, mime)

    def _upload(self, widget_id: str, name: str, content: bytes, mime: str) -> WidgetState:
        import uuid

        with urllib.request.urlopen(
            self.base_url + "/_stcore/health", timeout=60
        ) as response:  # sets the XSRF cookie
            cookies = [
                c.split(";")[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or []
            ]
        token = next((value for name, value in cookies if name == "_streamlit_xsrf"), "")
        file_id = uuid.uuid4().hex
        path = f"/_stcore/upload_file/{self.session_id}/{file_id}"
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\n'
                f"Content-Type: {mime}\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": token,
                "Cookie": f"_streamlit_xsrf={token}",
            },
        )
        urllib.request.urlopen(request, timeout=60).close()
        info = UploadedFileInfo(
            file_id=file_id,
            name=name,
            size=len(content),
            file_urls=FileURLs(file_id=file_id, upload_url=path, delete_url=path),
        )
        return WidgetState(
            id=widget_id, file_uploader_state_value=FileUploaderState(uploaded_file_info=[info])
        )

    async def _rerun(self, state: ClientState, timeout: float) -> Run:
        await self._send(state)
        return await self.next_run(timeout)

    async def _send(self, state: ClientState) -> None:
        state.cached_message_hashes.extend(self.cache)
        await self.socket.send(BackMsg(rerun_script=state).SerializeToString())

    async def _read(self) -> None:
        try:
            while True:
                self._runs.put_nowait(await self._collect())
        except (
            Exception
        ) as error:  # the socket closed or the server sent nonsense: waiters hear of it
            self._runs.put_nowait(error)

    async def _collect(self) -> Run:
        run = Run()
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            if message.WhichOneof("type") == "ref_hash":
                cached = self.cache.get(message.ref_hash)
                if cached is None:
                    raise RuntimeError(
                        "server referred to a message this session never received "
                        f"({message.ref_hash})"
                    )
                path = list(message.metadata.delta_path)
                message = ForwardMsg()
                message.CopyFrom(cached)
                message.metadata.ClearField("delta_path")
                message.metadata.delta_path.extend(path)
            elif message.metadata.cacheable:
                self.cache[message.hash] = message
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.session_id = message.new_session.initialize.session_id
            elif kind == "navigation":  # st.navigation names the page that runs
                self.page_script_hash = message.navigation.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                run.elements.append(
                    (
                        tuple(message.metadata.delta_path),
                        message.delta.fragment_id,
                        message.delta.new_element,
                    )
                )
            elif kind == "auto_rerun":
                run.auto_reruns.append(
                    (message.auto_rerun.interval, message.auto_rerun.fragment_id)
                )
            elif kind == "stop_auto_rerun":
                run.stopped_reruns.extend(message.stop_auto_rerun.fragment_ids)
            elif kind == "script_finished":
                run.status = message.script_finished
                if run.status != ScriptFinished.FINISHED_EARLY_FOR_RERUN:
                    return run


def canvas_pin(event_id: str, x: float, y: float) -> str:
    """The event the latent canvas sends when a position is clicked."""
    return json.dumps({"kind": "pin", "id": event_id, "map": 0, "z": [x, y]})


def plotly_click(trace: dict, index: int, curve_number: int = 0) -> str:
    """The selection JSON the frontend sends when marker ``index`` of ``trace`` is clicked."""
    x, y = float(plotly_values(trace["x"])[index]), float(plotly_values(trace["y"])[index])
    point = {
        "curve_number": curve_number,
        "point_number": index,
        "point_index": index,
        "x": x,
        "y": y,
    }
    return json.dumps(
        {"selection": {"points": [point], "point_indices": [index], "box": [], "lasso": []}}
    )


def plotly_values(values):
    """A trace's data array as numpy: plain JSON lists, or Plotly's typed-array form
    ``{"dtype": "f4", "bdata": <base64>}``."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        return (
            array.reshape(values["shape"])
            if "shape" in values and isinstance(values["shape"], list)
            else array
        )
    return np.asarray(values)
