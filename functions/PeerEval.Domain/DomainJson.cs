using System.Text.Json;
using PeerEval.Contracts;

namespace PeerEval.Domain;

/// <summary>What the domain hands to storage is written in the contract's JSON shape, so one set of conventions holds everywhere.</summary>
public static class DomainJson
{
    public static JsonSerializerOptions Options { get; } = ContractJson.Create();
}
