"""Vocabulary of the demo data: names, places, sectors with their products, certificates
and markets. Plain data, no database access."""

from __future__ import annotations

from typing import NamedTuple

SURNAMES = (
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 5),
    ("Phan", 4), ("Vũ", 4), ("Võ", 4), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Đinh", 1), ("Trịnh", 1), ("Lâm", 1), ("Mai", 1),
)
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân", "Ngọc", "Trọng")
MIDDLE_FEMALE = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Bích", "Hồng", "Mỹ")
GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Khang", "Khoa", "Long",
    "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành",
    "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Bảo", "Đông", "Hòa",
)
GIVEN_FEMALE = (
    "Anh", "Châu", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan",
    "Liên", "Linh", "Loan", "Mai", "My", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo",
    "Trang", "Tuyết", "Uyên", "Vân", "Yến", "Thủy", "Nga", "Hiền",
)
POSITIONS = (
    "Giám đốc", "Phó Giám đốc", "Trưởng phòng Xuất nhập khẩu", "Trưởng phòng Kinh doanh",
    "Kế toán trưởng", "Nhân viên xuất nhập khẩu", "Trưởng phòng Marketing",
)
MOBILE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "032", "035", "038",
                   "070", "077", "079", "083", "085", "088")

# Auspicious words Vietnamese firms are named with; two are joined into a brand.
BRAND_WORDS = (
    "Phúc", "Lộc", "Thịnh", "Hưng", "An", "Phát", "Tân", "Việt", "Hoàng", "Gia", "Minh",
    "Thành", "Đại", "Nam", "Sao", "Kim", "Ngọc", "Thiên", "Hải", "Trường", "Bảo", "Khang",
    "Hòa", "Phú", "Quý", "Long", "Vạn", "Tín", "Đức", "Thuận", "Mỹ", "Xuân", "Đông", "Sơn",
    "Toàn", "Nhật", "Hồng", "Lam", "Uy", "Vĩnh",
)

# Province code -> (share of the demo firms, real MST prefix, local place names, sector weights).
class ProvinceProfile(NamedTuple):
    """Where demo firms are and what they make there."""

    weight: int
    tax_prefix: str
    places: tuple[str, ...]
    sectors: dict[str, int]


PROVINCES: dict[int, ProvinceProfile] = {
    56: ProvinceProfile(36, "42", ("Nha Trang", "Cam Ranh", "Ninh Hòa", "Vạn Ninh",
                                   "Hòn Nội", "Khánh Sơn", "Cam Lâm", "Phan Rang", "Ninh Thuận"),
                        {"birds_nest": 30, "seafood": 25, "fruit_vegetables": 8,
                         "food_processing": 8, "tourism": 5, "garments_textiles": 5,
                         "furniture_wood": 4, "handicrafts": 4, "logistics": 3, "coffee": 2,
                         "cashew_nuts": 3, "rice_agri": 3}),
    52: ProvinceProfile(22, "59", ("Pleiku", "Chư Sê", "Đak Đoa", "Ia Grai", "Quy Nhơn",
                                   "An Khê", "Tây Sơn", "Hoài Nhơn", "Mang Yang"),
                        {"coffee": 25, "pepper_spices": 15, "fruit_vegetables": 15,
                         "rubber": 10, "cashew_nuts": 9, "furniture_wood": 10, "rice_agri": 5,
                         "seafood": 6, "garments_textiles": 3, "birds_nest": 2}),
    31: ProvinceProfile(14, "02", ("Đồ Sơn", "Cát Bà", "Kiến An", "Thủy Nguyên", "Hải Dương",
                                   "Thanh Hà", "Chí Linh", "Tiên Lãng", "Vĩnh Bảo"),
                        {"seafood": 20, "garments_textiles": 20, "furniture_wood": 10,
                         "logistics": 15, "food_processing": 10, "handicrafts": 5,
                         "rice_agri": 5, "fruit_vegetables": 8}),
    66: ProvinceProfile(6, "60", ("Đắk Lắk", "Buôn Ma Thuột", "Krông Pắc", "Ea H'leo", "Tuy Hòa",
                                  "Sông Cầu"),
                        {"coffee": 40, "pepper_spices": 20, "fruit_vegetables": 20,
                         "cashew_nuts": 8, "birds_nest": 6, "seafood": 6}),
    68: ProvinceProfile(4, "58", ("Đà Lạt", "Bảo Lộc", "Cầu Đất", "Di Linh", "Phan Thiết"),
                        {"coffee": 40, "fruit_vegetables": 30, "food_processing": 10,
                         "seafood": 10, "handicrafts": 5}),
    79: ProvinceProfile(5, "03", ("Sài Gòn", "Thủ Đức", "Bình Dương", "Vũng Tàu", "Chợ Lớn"),
                        {"garments_textiles": 30, "furniture_wood": 20, "food_processing": 20,
                         "logistics": 10, "seafood": 10, "cashew_nuts": 10}),
    96: ProvinceProfile(3, "20", ("Năm Căn", "Sông Đốc", "Bạc Liêu", "Đất Mũi"),
                        {"seafood": 80, "food_processing": 20}),
    75: ProvinceProfile(3, "36", ("Biên Hòa", "Long Khánh", "Bình Phước", "Xuân Lộc"),
                        {"cashew_nuts": 40, "furniture_wood": 30, "fruit_vegetables": 20,
                         "rubber": 10}),
    82: ProvinceProfile(2, "14", ("Cao Lãnh", "Sa Đéc", "Tiền Giang", "Cái Bè"),
                        {"fruit_vegetables": 60, "rice_agri": 30, "seafood": 10}),
    48: ProvinceProfile(2, "04", ("Đà Nẵng", "Hội An", "Tam Kỳ", "Sơn Trà"),
                        {"seafood": 30, "handicrafts": 20, "food_processing": 20,
                         "tourism": 30}),
    1: ProvinceProfile(2, "01", ("Thăng Long", "Hà Thành", "Bát Tràng", "Vạn Phúc"),
                       {"garments_textiles": 30, "handicrafts": 30, "food_processing": 40}),
    92: ProvinceProfile(1, "18", ("Cần Thơ", "Cái Răng", "Sóc Trăng", "Hậu Giang"),
                        {"rice_agri": 50, "seafood": 30, "fruit_vegetables": 20}),
    91: ProvinceProfile(1, "16", ("Long Xuyên", "Châu Đốc", "Phú Quốc", "Kiên Giang"),
                        {"rice_agri": 40, "seafood": 40, "birds_nest": 20}),
}


class ProductSpec(NamedTuple):
    """A product a sector makes; hs None means known only by its description."""

    name: str
    name_en: str | None
    hs: str | None
    unit: str


class SectorProfile(NamedTuple):
    """Words, products, certificates and markets typical of a sector."""

    words: tuple[str, ...]
    word_en: str
    products: tuple[ProductSpec, ...]
    certs: tuple[str, ...]
    markets: tuple[str, ...]


P = ProductSpec
SECTORS: dict[str, SectorProfile] = {
    "birds_nest": SectorProfile(
        ("Yến Sào", "Yến Sào", "Tổ Yến", "Yến Việt"), "Bird's Nest",
        (P("Tổ yến thô", "Raw edible bird's nest", "041090", "kg"),
         P("Tổ yến tinh chế", "Cleaned edible bird's nest", "041090", "kg"),
         P("Yến sào sơ chế", "Pre-cleaned bird's nest", "0410", "kg"),
         P("Nước yến sào đóng lon", "Bird's nest drink", "2202", "litres"),
         P("Tổ yến tinh chế đóng hộp", None, None, "pieces"),
         P("Yếm sào chưng đường phèn", None, None, "pieces"),
         P("Yến chưng sẵn hũ thủy tinh", "Ready-to-eat bird's nest in jars", None, "pieces")),
        ("HACCP", "ISO22000", "GACC", "FDA", "HALAL", "ISO9001", "KR_MFDS", "FSSC22000"),
        ("CN", "HK", "TW", "SG", "MY", "US", "AE", "SA", "KR", "JP", "AU", "CA"),
    ),
    "seafood": SectorProfile(
        ("Thủy sản", "Hải sản", "Thủy Hải sản", "Chế biến Thủy sản"), "Seafood",
        (P("Tôm thẻ chân trắng đông lạnh", "Frozen whiteleg shrimp", "030617", "tonnes"),
         P("Cá ngừ đại dương phi lê", "Yellowfin tuna loins", "030487", "tonnes"),
         P("Mực khô", "Dried squid", "030749", "tonnes"),
         P("Cá ngừ đóng hộp", "Canned tuna", "160414", "tonnes"),
         P("Chả cá", "Fish cake", "1604", "tonnes"),
         P("Tôm hùm bông", "Spiny lobster", "0306", "tonnes"),
         P("Cá khô một nắng", "Sun-dried fish", "0305", "tonnes"),
         P("Tôm tẩm bột chiên", "Breaded shrimp", "1605", "tonnes"),
         P("Nước mắm truyền thống", "Traditional fish sauce", "210390", "litres"),
         P("Cá bò da phi lê", "Leatherjacket fillets", "0304", "tonnes"),
         P("Hải sản khô các loại", None, None, "kg")),
        ("HACCP", "ISO22000", "BRCGS", "IFS", "ASC", "BAP", "MSC", "EU_APPROVED", "FDA",
         "GACC", "KR_MFDS", "HALAL"),
        ("JP", "KR", "US", "CN", "DE", "NL", "AU", "IT", "ES", "CA", "GB", "FR"),
    ),
    "coffee": SectorProfile(
        ("Cà phê", "Cà phê", "Nông sản Cà phê"), "Coffee",
        (P("Cà phê nhân Robusta", "Robusta green coffee beans", "090111", "tonnes"),
         P("Cà phê Arabica", "Arabica green coffee", "090111", "tonnes"),
         P("Cà phê rang xay", "Roasted ground coffee", "090121", "tonnes"),
         P("Cà phê hòa tan", "Instant coffee", "2101", "tonnes"),
         P("Cà phê bột rang xay truyền thống", None, None, "kg")),
        ("RAINFOREST", "FAIRTRADE", "ORGANIC_EU", "USDA_ORGANIC", "VIETGAP", "GLOBALGAP",
         "ISO22000", "HACCP", "GACC"),
        ("DE", "US", "JP", "IT", "BE", "ES", "KR", "RU", "CN", "AE", "NL"),
    ),
    "pepper_spices": SectorProfile(
        ("Hồ tiêu", "Gia vị", "Tiêu"), "Pepper",
        (P("Hồ tiêu đen", "Black pepper", "090411", "tonnes"),
         P("Tiêu trắng", "White pepper", "090411", "tonnes"),
         P("Tiêu xay", "Ground pepper", "090412", "tonnes"),
         P("Tiêu đỏ chín cây", "Ripe red pepper", "0904", "tonnes")),
        ("GLOBALGAP", "VIETGAP", "ORGANIC_EU", "HACCP", "ISO22000", "HALAL", "USDA_ORGANIC"),
        ("US", "DE", "NL", "IN", "AE", "CN", "JP", "KR", "EG"),
    ),
    "cashew_nuts": SectorProfile(
        ("Điều", "Hạt Điều", "Nông sản"), "Cashew",
        (P("Hạt điều nhân trắng W320", "Cashew kernels W320", "080132", "tonnes"),
         P("Hạt điều rang muối", "Roasted salted cashews", "200819", "tonnes"),
         P("Điều thô", "Raw cashew nuts in shell", "080131", "tonnes"),
         P("Hạt mắc ca", "Macadamia nuts", "0802", "tonnes")),
        ("HACCP", "BRCGS", "ISO22000", "HALAL", "KOSHER", "ORGANIC_EU", "FDA"),
        ("US", "NL", "CN", "DE", "AE", "AU", "GB", "IL"),
    ),
    "fruit_vegetables": SectorProfile(
        ("Nông sản", "Trái cây", "Rau quả", "Nông nghiệp Xanh"), "Fruit",
        (P("Sầu riêng tươi", "Fresh durian", "081090", "tonnes"),
         P("Chanh dây tươi", "Fresh passion fruit", "0810", "tonnes"),
         P("Xoài Cát Hòa Lộc", "Cat Hoa Loc mango", "080450", "tonnes"),
         P("Sầu riêng cấp đông", "Frozen durian", "081190", "tonnes"),
         P("Chanh dây cấp đông", "Frozen passion fruit pulp", "0811", "tonnes"),
         P("Chuối Cavendish", "Cavendish bananas", "0803", "tonnes"),
         P("Mít sấy giòn", "Dried jackfruit chips", "200899", "tonnes"),
         P("Thanh long ruột đỏ", "Red dragon fruit", "081090", "tonnes"),
         P("Vải thiều", "Lychee", "0810", "tonnes"),
         P("Trái cây sấy dẻo đặc sản", None, None, "kg")),
        ("GLOBALGAP", "VIETGAP", "GACC", "HACCP", "ORGANIC_EU", "ISO22000"),
        ("CN", "KR", "JP", "US", "AU", "NL", "AE", "TH", "FR"),
    ),
    "rice_agri": SectorProfile(
        ("Nông sản", "Lương thực", "Nông nghiệp"), "Agricultural Products",
        (P("Gạo ST25", "ST25 fragrant rice", "100630", "tonnes"),
         P("Tinh bột sắn", "Cassava starch", "110814", "tonnes"),
         P("Sắn lát khô", "Dried cassava chips", "071410", "tonnes"),
         P("Mật ong hoa cà phê", "Coffee blossom honey", "040900", "tonnes")),
        ("VIETGAP", "GLOBALGAP", "HACCP", "ORGANIC_EU", "HALAL"),
        ("CN", "PH", "MY", "SG", "US", "AE", "KR"),
    ),
    "food_processing": SectorProfile(
        ("Thực phẩm", "Chế biến Thực phẩm", "Đặc sản"), "Foods",
        (P("Bánh tráng", "Rice paper", "1905", "tonnes"),
         P("Nem chua", "Fermented pork roll", "1601", "kg"),
         P("Bánh phồng tôm", "Prawn crackers", "190590", "tonnes"),
         P("Nước mắm Nha Trang", "Nha Trang fish sauce", "2103", "litres"),
         P("Đặc sản địa phương đóng gói", None, None, "kg"),
         P("Mứt gừng", "Candied ginger", "2006", "kg")),
        ("HACCP", "ISO22000", "FSSC22000", "HALAL", "FDA", "ISO9001"),
        ("US", "AU", "JP", "KR", "DE", "CA", "FR", "CZ", "PL"),
    ),
    "furniture_wood": SectorProfile(
        ("Gỗ", "Nội thất", "Lâm sản", "Chế biến Gỗ"), "Furniture",
        (P("Bàn ghế gỗ ngoài trời", "Outdoor wooden furniture", "940360", "pieces"),
         P("Tủ gỗ keo", "Acacia wood cabinets", "9403", "pieces"),
         P("Viên nén gỗ", "Wood pellets", "440131", "tonnes"),
         P("Ván sàn gỗ", "Wooden flooring", "4409", "m3")),
        ("FSC", "PEFC", "ISO9001", "ISO14001"),
        ("US", "JP", "GB", "DE", "FR", "AU", "KR", "CA"),
    ),
    "garments_textiles": SectorProfile(
        ("May mặc", "Dệt may", "May"), "Garment",
        (P("Áo thun dệt kim", "Knitted T-shirts", "610910", "pieces"),
         P("Áo sơ mi nữ", "Women's blouses", "620640", "pieces"),
         P("Quần jean", "Denim trousers", "620342", "pieces"),
         P("Áo khoác", "Jackets", "62", "pieces"),
         P("Đồ thể thao dệt kim", "Knitted sportswear", "61", "pieces")),
        ("ISO9001", "ISO14001"),
        ("US", "JP", "KR", "DE", "FR", "CA", "GB", "AU"),
    ),
    "handicrafts": SectorProfile(
        ("Thủ công Mỹ nghệ", "Mỹ nghệ", "Làng nghề"), "Handicrafts",
        (P("Sản phẩm mây tre đan", "Rattan and bamboo products", "460212", "pieces"),
         P("Nón lá", "Conical hats", "6504", "pieces"),
         P("Gốm sứ mỹ nghệ", "Ceramic art ware", "6913", "pieces"),
         P("Đồ lưu niệm từ vỏ ốc", None, None, "pieces")),
        ("FSC", "ISO9001"),
        ("US", "JP", "FR", "DE", "AU", "NL", "KR"),
    ),
    "rubber": SectorProfile(
        ("Cao su",), "Rubber",
        (P("Cao su SVR 3L", "Natural rubber SVR 3L", "400122", "tonnes"),
         P("Mủ cao su ly tâm", "Centrifuged latex", "4001", "tonnes"),
         P("Gỗ cao su xẻ", "Sawn rubber wood", "4407", "m3")),
        ("FSC", "ISO9001", "ISO14001"),
        ("CN", "IN", "KR", "MY", "US", "DE", "TR"),
    ),
    "tourism": SectorProfile(
        ("Du lịch", "Lữ hành", "Du lịch Biển"), "Travel",
        (P("Tour lặn biển ngắm san hô", "Coral reef diving tours", None, "pieces"),
         P("Dịch vụ lưu trú nghỉ dưỡng", "Resort stays", None, "pieces")),
        ("ISO9001",),
        ("KR", "CN", "RU", "AU", "IN", "TW"),
    ),
    "logistics": SectorProfile(
        ("Logistics", "Vận tải Biển", "Giao nhận"), "Logistics",
        (P("Dịch vụ giao nhận hàng xuất khẩu", "Export freight forwarding", None, "containers"),
         P("Kho lạnh bảo quản hàng xuất khẩu", "Cold storage for exports", None, "tonnes")),
        ("ISO9001", "ISO14001"),
        ("CN", "US", "JP", "KR", "SG", "NL"),
    ),
}
del P

CERT_ISSUERS: dict[str, tuple[str, ...]] = {
    "GACC": ("Tổng cục Hải quan Trung Quốc (GACC)",),
    "FDA": ("U.S. Food and Drug Administration",),
    "KR_MFDS": ("Bộ An toàn Thực phẩm và Dược phẩm Hàn Quốc (MFDS)",),
    "EU_APPROVED": ("Cục Quản lý Chất lượng Nông Lâm sản và Thủy sản (NAFIQPM)",),
    "VIETGAP": ("Trung tâm Chứng nhận Phù hợp (QUACERT)", "Vinacert",
                "Chi cục Trồng trọt và Bảo vệ thực vật"),
    "HALAL": ("Trung tâm Chứng nhận Halal Việt Nam (HCA)", "Halal Certification Agency"),
    "_": ("SGS Việt Nam", "Bureau Veritas Việt Nam", "Intertek Việt Nam", "Control Union",
          "TÜV Rheinland Việt Nam", "Trung tâm Chứng nhận Phù hợp (QUACERT)", "Vinacert",
          "DNV Việt Nam"),
}

# Domestic marketplaces sell in Vietnam; cross-border ones abroad.
PLATFORM_MARKETS = {
    "shopee": ("VN", "SG", "MY", "PH"),
    "lazada": ("VN", "SG", "TH", "MY"),
    "tiktok_shop": ("VN", "US", "SG", "MY"),
    "amazon": ("US", "JP", "DE", "GB", "AU"),
    "alibaba": (None,),
}
