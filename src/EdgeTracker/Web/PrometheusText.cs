using System.Globalization;
using System.Text;
using EdgeTracker.Hosting;

namespace EdgeTracker.Web;

/// <summary>Writes the daemon's metrics in Prometheus' text exposition format (version 0.0.4).</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(DaemonState state, Func<string, long>? previewEncoded = null, Func<string, StreamStats?>? streams = null)
    {
        var t = new StringBuilder(8192);
        void Head(string name, string type, string help) => t.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        void Line(string name, string labels, double value) =>
            t.Append(CultureInfo.InvariantCulture, $"{name}{(labels.Length == 0 ? "" : "{" + labels + "}")} {value.ToString("R", CultureInfo.InvariantCulture)}\n");

        Head("edgetracker_info", "gauge", "Build and model in use; the provider is the ONNX Runtime execution provider actually loaded.");
        Line("edgetracker_info", $"device=\"{Escape(state.DeviceId)}\",version=\"{typeof(PrometheusText).Assembly.GetName().Version}\",model=\"{Escape(state.Model)}\",provider=\"{Escape(state.Provider)}\"", 1);
        Head("edgetracker_inference_provider", "gauge", "1 for the execution provider in use.");
        Line("edgetracker_inference_provider", $"provider=\"{Escape(state.Provider)}\"", 1);
        Head("edgetracker_uptime_seconds", "gauge", "Seconds since the daemon started.");
        Line("edgetracker_uptime_seconds", "", state.UptimeSeconds);

        var pipelines = state.Pipelines;
        var health = state.Health();
        Head("edgetracker_camera_up", "gauge", "1 while the camera's source is open and its pipeline makes progress.");
        foreach (var h in health) Line("edgetracker_camera_up", $"camera=\"{Escape(h.Camera)}\",source_state=\"{h.Source}\"", h.Healthy ? 1 : 0);
        Head("edgetracker_fps", "gauge", "Frames a second processed by the tracking thread.");
        foreach (var h in health) Line("edgetracker_fps", Cam(h.Camera), h.Fps);
        Head("edgetracker_frames_total", "counter", "Frames processed.");
        foreach (var h in health) Line("edgetracker_frames_total", Cam(h.Camera), h.Frames);
        Head("edgetracker_dropped_frames_total", "counter", "Frames the camera hand-off dropped because tracking was busy (live sources).");
        foreach (var h in health) Line("edgetracker_dropped_frames_total", Cam(h.Camera), h.DroppedFrames);
        Head("edgetracker_source_reconnects_total", "counter", "Times a camera source was reopened after a loss.");
        foreach (var h in health) Line("edgetracker_source_reconnects_total", Cam(h.Camera), h.Reconnects);
        Head("edgetracker_targets", "gauge", "Targets followed, by state.");
        foreach (var h in health)
        {
            foreach (var s in (string[])["tracking", "uncertain", "lost"])
            {
                Line("edgetracker_targets", $"{Cam(h.Camera)},state=\"{s}\"", h.Targets.Count(x => x.State == s));
            }
        }
        Head("edgetracker_track_messages_dropped_total", "counter", "Track results dropped because the publishing queue was full.");
        foreach (var p in pipelines) Line("edgetracker_track_messages_dropped_total", Cam(p.Name), p.Metrics.TrackMessagesDropped);
        Head("edgetracker_tracking_allocated_bytes_total", "counter", "Bytes the tracking thread allocated while processing frames (0 in steady state; commands excluded).");
        foreach (var p in pipelines) Line("edgetracker_tracking_allocated_bytes_total", Cam(p.Name), p.TrackingThreadAllocatedBytes);
        Head("edgetracker_inference_batch_max", "gauge", "The most targets of a camera one inference run takes (1: its targets are tracked in turn; Tracking:Batching).");
        foreach (var p in pipelines) Line("edgetracker_inference_batch_max", Cam(p.Name), p.Batching.MaxBatch);
        Head("edgetracker_stage_latency_seconds", "histogram", "Per-stage latency: handoff (capture to tracking thread), track (all targets' tracker steps), total (capture to results queued).");
        foreach (var p in pipelines)
        {
            p.Metrics.Handoff.WriteTo(t, "edgetracker_stage_latency_seconds", $"{Cam(p.Name)},stage=\"handoff\"");
            p.Metrics.Track.WriteTo(t, "edgetracker_stage_latency_seconds", $"{Cam(p.Name)},stage=\"track\"");
            p.Metrics.Total.WriteTo(t, "edgetracker_stage_latency_seconds", $"{Cam(p.Name)},stage=\"total\"");
        }
        if (previewEncoded is not null)
        {
            Head("edgetracker_preview_pictures_total", "counter", "Pictures encoded for the web page.");
            foreach (var p in pipelines) Line("edgetracker_preview_pictures_total", Cam(p.Name), previewEncoded(p.Name));
        }
        if (streams is not null)
        {
            Head("edgetracker_web_stream_clients", "gauge", "Clients reading the camera's MJPEG stream now.");
            foreach (var p in pipelines) Line("edgetracker_web_stream_clients", Cam(p.Name), streams(p.Name)?.Clients ?? 0);
            Head("edgetracker_web_stream_parts_total", "counter", "Pictures written to MJPEG stream clients (all clients).");
            foreach (var p in pipelines) Line("edgetracker_web_stream_parts_total", Cam(p.Name), streams(p.Name)?.Parts ?? 0);
            Head("edgetracker_web_stream_bytes_total", "counter", "Bytes written to MJPEG stream clients (all clients).");
            foreach (var p in pipelines) Line("edgetracker_web_stream_bytes_total", Cam(p.Name), streams(p.Name)?.Bytes ?? 0);
            Head("edgetracker_web_stream_skipped_pictures_total", "counter", "Pictures stream clients skipped because they read slower than pictures were made (or asked for fewer with ?fps=).");
            foreach (var p in pipelines) Line("edgetracker_web_stream_skipped_pictures_total", Cam(p.Name), streams(p.Name)?.SkippedPictures ?? 0);
            Head("edgetracker_web_stream_stalled_clients_total", "counter", "Stream clients disconnected because they stopped reading (Http:StreamStallSeconds).");
            foreach (var p in pipelines) Line("edgetracker_web_stream_stalled_clients_total", Cam(p.Name), streams(p.Name)?.StalledClients ?? 0);
        }

        var broker = state.Broker;
        Head("edgetracker_mqtt_connected", "gauge", "1 while connected to the broker.");
        Line("edgetracker_mqtt_connected", $"state=\"{broker.State}\"", broker.State == "connected" ? 1 : 0);
        Head("edgetracker_mqtt_queue_depth", "gauge", "Messages waiting in the outgoing MQTT queue.");
        Line("edgetracker_mqtt_queue_depth", "", broker.QueueDepth);
        Head("edgetracker_mqtt_dropped_total", "counter", "Messages dropped by the outgoing MQTT queue (track messages, oldest first).");
        Line("edgetracker_mqtt_dropped_total", "", broker.Dropped);
        Head("edgetracker_mqtt_reconnects_total", "counter", "Reconnections to the broker.");
        Line("edgetracker_mqtt_reconnects_total", "", broker.Reconnects);

        if (state.PanTilt is { } head)
        {
            Head("edgetracker_pantilt_angle_degrees", "gauge", "The pan-tilt head's commanded angles.");
            Line("edgetracker_pantilt_angle_degrees", $"axis=\"pan\",mode=\"{Escape(head.Mode)}\"", head.PanDegrees);
            Line("edgetracker_pantilt_angle_degrees", $"axis=\"tilt\",mode=\"{Escape(head.Mode)}\"", head.TiltDegrees);
            if (head is PanTiltFollower follower)
            {
                Head("edgetracker_pantilt_followed_camera", "gauge", "1 for the camera whose targets drive the head (PanTilt:Camera).");
                Line("edgetracker_pantilt_followed_camera", Cam(follower.Camera), 1);
            }
        }
        return t.ToString();
    }

    private static string Cam(string camera) => $"camera=\"{Escape(camera)}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
