using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Forms;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download), plus a stand-in for a service's own
/// web site on another origin that embeds the form with the script tag.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("PEEREVAL_CHROMIUM") ?? ChromiumPath;
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Chromium is not at {executable}: run `bash .ci/install-browser` (as root) or set PEEREVAL_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // No sandbox as root; no background traffic on this closed network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh browser tab at the given size; script may be off, as some people keep it.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, bool javaScript = true, float scale = 1, bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = scale,
            JavaScriptEnabled = javaScript,
            BypassCSP = bypassCsp,
        });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Serves one page that embeds the form from <paramref name="app"/>, on a free port of its own, as the
    /// README says to: the script tag, and for people without script a plain frame of the same form.
    /// </summary>
    public static async Task<WebApplication> StartServiceSiteAsync(TestApp app, string attributes, string? noscriptForm = null, string extraBody = "")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Ports.Free()}");
        builder.Logging.ClearProviders();
        var site = builder.Build();
        var embed = new Uri(app.BaseAddress, "/api/forms/embed.js");
        site.MapGet("/", () => Results.Content($"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Riverside Peer Support</title></head>
            <body><h1>Riverside Peer Support</h1><p>Tell us how things are going.</p>
            <script src="{embed}" {attributes}></script>
            {(noscriptForm is null ? "" : $"<noscript><iframe src=\"{new Uri(app.BaseAddress, noscriptForm)}\" title=\"Feedback form\" style=\"width:100%;height:80rem;border:0\"></iframe></noscript>")}
            {extraBody}</body></html>
            """, "text/html"));
        await site.StartAsync();
        return site;
    }

    public static string Origin(WebApplication site) => site.Urls.First().TrimEnd('/');

}
