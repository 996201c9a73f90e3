using System.Security.Cryptography;
using System.Text.Encodings.Web;

namespace PeerEval.Functions.Hosting;

/// <summary>The frame of every page PeerEval renders (the form, the dashboard): one stylesheet, allowed by its nonce.</summary>
public static class HtmlPages
{
    public static string Layout(string title, string nonce, string css, string body) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{HtmlEncoder.Default.Encode(title)}</title>
        <style nonce="{nonce}">{css}</style>
        </head>
        <body>
        <main>
        {body}
        </main>
        </body>
        </html>
        """;

    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
}
