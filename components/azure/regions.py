"""The Azure regions a stack may name (public cloud). A region Azure opens later is one line here."""

from __future__ import annotations

AZURE_REGIONS = frozenset({
    "eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus", "southcentralus",
    "westcentralus", "canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast", "mexicocentral",
    "chilecentral", "northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth",
    "germanywestcentral", "germanynorth", "switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest",
    "swedencentral", "swedensouth", "polandcentral", "italynorth", "spaincentral", "austriaeast",
    "belgiumcentral", "israelcentral", "qatarcentral", "uaenorth", "uaecentral", "southafricanorth",
    "southafricawest", "centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral",
    "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "australiaeast",
    "australiasoutheast", "australiacentral", "australiacentral2", "newzealandnorth", "indonesiacentral",
    "malaysiawest",
})
