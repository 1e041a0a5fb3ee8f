"""Field names SDKs use for personal data, normalized (lower case, letters and digits only).

A key never flags anything by itself; it raises the confidence of a value whose
shape already fits (a Luhn-valid 15-digit number under ``imei``), and for shapes
that are common in ordinary traffic (UUIDs, 16 hex characters, decimals) it is
required.
"""

from __future__ import annotations

KEYS: dict[str, frozenset[str]] = {
    "imei": frozenset({"imei", "imei1", "imei2", "deviceimei", "imeimd5", "imeinum"}),
    "device_id": frozenset({"deviceid", "did", "devid", "udid", "uniqueid", "deviceidentifier", "cuid"}),
    "meid": frozenset({"meid"}),
    "imsi": frozenset({"imsi", "subscriberid", "imsi1", "imsi2"}),
    "iccid": frozenset({"iccid", "simserial", "simserialnumber", "simsn", "icc"}),
    "android_id": frozenset({"androidid", "andi", "andid", "aid", "ssaid", "anid"}),
    "aaid": frozenset({"gpsadid", "advertiserid", "advertisingid", "aifa", "adid", "gaid", "googleadid",
                       "googleaid", "aaid", "adsid", "advertisingidentifier"}),
    "oaid": frozenset({"oaid", "msaoaid", "oaidmd5"}),
    "idfa": frozenset({"idfa"}),
    "idfv": frozenset({"idfv", "vendorid"}),
    "mac": frozenset({"mac", "macaddress", "mc", "wifimac", "macaddr", "btmac", "bluetoothmac", "ethmac", "wlanmac"}),
    "bssid": frozenset({"bssid", "wifibssid", "apmac", "routermac", "bssidlist"}),
    "ssid": frozenset({"ssid", "wifissid", "wifiname", "wifi", "apname", "ssidlist"}),
    "location": frozenset({"location", "loc", "gps", "coord", "coords", "coordinate", "coordinates", "geo",
                           "position", "latlng", "latlon", "lnglat", "ll", "lbs", "geolocation"}),
    "latitude": frozenset({"lat", "latitude", "gpslat"}),
    "longitude": frozenset({"lng", "lon", "long", "longitude", "gpslng", "gpslon"}),
    "phone_number": frozenset({"phone", "phonenumber", "mobile", "tel", "msisdn", "line1number", "cellphone",
                               "mobilephone", "phoneno", "telephone"}),
    "email": frozenset({"email", "mail", "emailaddress", "useremail"}),
    "installed_apps": frozenset({"apps", "applist", "installedapps", "packages", "pkglist", "installedpackages",
                                 "packagelist", "pkgs", "appinfos", "installed", "apkinfo"}),
    "contacts": frozenset({"contacts", "contact", "addressbook", "contactlist", "phonebook"}),
    "serial": frozenset({"serial", "serialno", "serialnumber", "sn", "buildserial"}),
}

# every key above, for the cheap "does this flow mention a personal-data field" test
ALL_KEYS: frozenset[str] = frozenset().union(*KEYS.values())


_CLASS_OF: dict[str, str] = {k: name for name, names in KEYS.items() for k in names}


def key_class(key: str) -> str | None:
    """The class of a normalized key name, if it is one SDKs use for personal data."""
    return _CLASS_OF.get(key)


def any_key_in(keys: tuple[str, ...], cls: str) -> bool:
    names = KEYS[cls]
    return any(k in names for k in keys)
